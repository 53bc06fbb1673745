import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  temporal: string;
  database: string;
}

/** What the numbers were measured on. */
export function describeMachine(temporalCli: string, database: string): Machine {
  let temporal = 'unknown';
  try {
    temporal = execFileSync(temporalCli, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    /* an old CLI without --version: leave it unknown */
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    temporal,
    database,
  };
}

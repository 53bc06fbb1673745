import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const projectRoot = path.resolve(__dirname, '../..');

export interface StartedRecoup {
  child: ChildProcess;
  /** Everything printed so far. */
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** SIGTERM (Ctrl-C's twin), then waits; SIGKILL after 30 s. */
  stop(): Promise<number | null>;
}

/**
 * `npm start` (cli/start.ts) as a child process with only the given environment on top of PATH
 * and HOME. `ready` resolves when its banner is printed ("Press Ctrl-C to stop.") or when it exits.
 */
export function startRecoup(env: Record<string, string>): { started: StartedRecoup; ready: Promise<'running' | 'exited'> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/start.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<'running' | 'exited'>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('Press Ctrl-C to stop.')) resolve('running');
    });
    void exited.then(() => resolve('exited'));
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const started: StartedRecoup = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.kill('SIGTERM');
      const code = await exited;
      clearTimeout(kill);
      return code;
    },
  };
  return { started, ready };
}

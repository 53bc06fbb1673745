import { execFile } from 'node:child_process';
import path from 'node:path';

const projectRoot = path.resolve(__dirname, '../..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the ops CLI as operators do (`npm run recoup -- …`, a child process) on a data folder.
 * DATABASE_URL is emptied so the CLI uses the embedded database in that folder.
 */
export function runRecoupCli(dataDir: string, args: string[], timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'recoup', '--', ...args],
      { cwd: projectRoot, env: { ...process.env, RECOUP_DATA_DIR: dataDir, DATABASE_URL: '', NODE_OPTIONS: '' }, timeout: timeoutMs },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The last line of output that is JSON: what the command printed for the operator. */
export function printedJson<T>(stdout: string): T {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON in output: ${stdout}`);
  return JSON.parse(line) as T;
}

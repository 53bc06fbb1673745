import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where the secret of a data folder is kept (beside the SFTP host key). */
export const TEST_PROVIDER_SECRET_FILE = 'payment_webhook_secret';

let perProcess: string | undefined;

/**
 * The test payment provider's webhook secret when PAYMENT_WEBHOOK_SECRET is unset: random, made
 * once per data folder (so every API process sharing `RECOUP_DATA_DIR` checks the same
 * signatures) and once per process for `memory://`. Never a constant in the source: anyone could
 * otherwise sign "paid" events for a demo or staging install.
 */
export function loadOrCreateTestProviderSecret(dataDir: string): string {
  if (dataDir === 'memory://') return (perProcess ??= randomSecret());
  const file = path.resolve(dataDir, TEST_PROVIDER_SECRET_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomSecret();
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process starting at the same moment made it first: use that one.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw err;
  }
  return secret;
}

const randomSecret = () => randomBytes(32).toString('base64url');

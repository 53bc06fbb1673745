import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parsePayloadKeys, type PayloadKey } from '../temporal/payload-codec';

/** Marks a sealed value: `enc:v1:<key id>:<base64(iv | tag | ciphertext)>`. */
export const SEALED_PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The development key of a data folder, made on first use (RECOUP_SECRET_KEYS unset). */
export const DEV_SECRET_KEY_FILE = 'secret-keys';

/**
 * Secrets Recoup must read back (webhook signing secrets, pull-source bearer tokens, stored
 * idempotent responses) are kept sealed with AES-256-GCM under `RECOUP_SECRET_KEYS`
 * (`keyId:base64-32-bytes,…`, as RECOUP_PAYLOAD_KEYS): the first key seals, every key opens, so a
 * new first key is a rotation that still reads what the old one sealed. The key id is associated
 * data, so a value moved under another id fails to open. Values stored before sealing existed are
 * read as they are, and sealed by `sealStoredSecrets` at start.
 */
export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly current: PayloadKey;

  constructor(keys: PayloadKey[]) {
    if (!keys[0]) throw new Error('SecretBox needs at least one key');
    this.current = keys[0];
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** The id of the key that seals now. */
  get currentKeyId(): string {
    return this.current.id;
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(this.current.id));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${SEALED_PREFIX}${this.current.id}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
  }

  /** The clear value; a value that was never sealed (stored before sealing existed) comes back as it is. */
  open(stored: string): string {
    if (!isSealed(stored)) return stored;
    const keyId = sealedKeyId(stored)!;
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`A stored secret is sealed with key "${keyId}", which is not in RECOUP_SECRET_KEYS`);
    const data = Buffer.from(stored.slice(SEALED_PREFIX.length + keyId.length + 1), 'base64');
    if (data.length < IV_BYTES + TAG_BYTES) throw new Error(`A stored secret (key "${keyId}") is too short`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(`A stored secret (key "${keyId}") failed to open: it was altered or the key is wrong`);
    }
  }

  /** True when the value is in clear, or (with `rotating`) sealed by another key than the current one. */
  needsSealing(stored: string, rotating = false): boolean {
    if (!isSealed(stored)) return true;
    return rotating && sealedKeyId(stored) !== this.current.id;
  }
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED_PREFIX);
}

function sealedKeyId(stored: string): string | undefined {
  const rest = stored.slice(SEALED_PREFIX.length);
  const colon = rest.indexOf(':');
  return colon > 0 ? rest.slice(0, colon) : undefined;
}

export interface SecretBoxConfig {
  RECOUP_SECRET_KEYS?: string;
  /** Where the development key lives when RECOUP_SECRET_KEYS is unset; `memory://` → one per process. */
  RECOUP_DATA_DIR?: string;
}

const boxes = new Map<string, SecretBox>();

/**
 * The box of a configuration, one per process for the same settings (the API and the worker of
 * one process share it). Without RECOUP_SECRET_KEYS a development key is generated once per data
 * folder (`<RECOUP_DATA_DIR>/secret-keys`, mode 0600) so no key is ever written in the source.
 */
export function secretBoxFor(config: SecretBoxConfig): SecretBox {
  const dataDir = config.RECOUP_DATA_DIR ?? 'memory://';
  const cacheKey = config.RECOUP_SECRET_KEYS ? `keys:${config.RECOUP_SECRET_KEYS}` : `dir:${dataDir === 'memory://' ? dataDir : path.resolve(dataDir)}`;
  let box = boxes.get(cacheKey);
  if (!box) {
    box = new SecretBox(parsePayloadKeys(config.RECOUP_SECRET_KEYS ?? developmentKeys(dataDir)));
    boxes.set(cacheKey, box);
  }
  return box;
}

function developmentKeys(dataDir: string): string {
  const fresh = `dev-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}`;
  if (dataDir === 'memory://') return fresh;
  mkdirSync(dataDir, { recursive: true });
  const file = path.resolve(dataDir, DEV_SECRET_KEY_FILE);
  try {
    // `wx`: when two processes start on one folder, the second reads what the first wrote.
    writeFileSync(file, `${fresh}\n`, { flag: 'wx', mode: 0o600 });
    return fresh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  chmodSync(file, 0o600);
  const stored = readFileSync(file, 'utf8').trim();
  if (!stored) throw new Error(`${file} is empty: delete it to generate a development key again (secrets sealed with it are lost)`);
  return stored;
}

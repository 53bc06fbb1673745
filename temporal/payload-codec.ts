import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** The `encoding` of a payload this codec encrypted. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key that encrypted the payload, so a rotated key still decrypts old histories. */
export const ENCRYPTION_KEY_ID = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/**
 * Parses `RECOUP_PAYLOAD_KEYS`: `id:base64,id:base64,…`, each key 32 bytes (AES-256). The first
 * key encrypts; every key decrypts. Throws with a message naming the bad entry (never the key).
 */
export function parsePayloadKeys(value: string): PayloadKey[] {
  const keys: PayloadKey[] = [];
  for (const [index, entry] of value.split(',').map((e) => e.trim()).entries()) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    if (!KEY_ID.test(id)) throw new Error(`entry ${index + 1}: expected "keyId:base64-key" with a key id of letters, digits, ".", "_" or "-"`);
    const material = entry.slice(colon + 1);
    const key = Buffer.from(material, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(material) || key.length !== 32) throw new Error(`key "${id}": expected 32 bytes in base64 (openssl rand -base64 32)`);
    if (keys.some((k) => k.id === id)) throw new Error(`key "${id}" is listed twice`);
    keys.push({ id, key });
  }
  return keys;
}

/**
 * AES-256-GCM over the whole payload (metadata included), with a fresh 12-byte IV per payload and
 * the key id as associated data: a payload moved under another key id fails to decrypt. Encrypted
 * data is `iv | ciphertext | tag`. Payloads without the encrypted encoding pass through `decode`,
 * so histories written before encryption was switched on stay readable.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly current: PayloadKey;

  constructor(keys: PayloadKey[]) {
    if (!keys[0]) throw new Error('EncryptionCodec needs at least one key');
    this.current = keys[0];
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      cipher.setAAD(Buffer.from(this.current.id));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [ENCRYPTION_KEY_ID]: Buffer.from(this.current.id) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[ENCRYPTION_KEY_ID];
      if (!keyIdBytes) throw new ValueError(`An encrypted payload has no ${ENCRYPTION_KEY_ID} metadata`);
      const keyId = Buffer.from(keyIdBytes).toString();
      const key = this.keys.get(keyId);
      if (!key) throw new ValueError(`A payload is encrypted with key "${keyId}", which is not in RECOUP_PAYLOAD_KEYS`);
      const data = Buffer.from(payload.data ?? []);
      if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError(`An encrypted payload (key "${keyId}") is too short`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAAD(keyIdBytes);
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
        return temporal.api.common.v1.Payload.decode(plain);
      } catch (err) {
        throw new ValueError(`An encrypted payload (key "${keyId}") failed to decrypt: it was altered or the key is wrong`, err);
      }
    });
  }
}

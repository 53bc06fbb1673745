import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { parseConfig } from '../../config/config';
import { ENCRYPTED_ENCODING, ENCRYPTION_KEY_ID, EncryptionCodec, parsePayloadKeys } from '../../temporal/payload-codec';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const debtor = { name: 'Anna de Vries', email: 'anna@example.nl' };
const plain = (): Payload => defaultPayloadConverter.toPayload(debtor);
const text = (p: Payload) => Buffer.concat([...Object.values(p.metadata ?? {}), p.data ?? new Uint8Array()].map((b) => Buffer.from(b))).toString('latin1');
const meta = (p: Payload, key: string) => Buffer.from(p.metadata![key]!).toString();

describe('the payload codec', () => {
  const codec = new EncryptionCodec(parsePayloadKeys(`a:${keyA}`));

  test('encrypts a payload whole (data and metadata) under the current key and decrypts it back', async () => {
    const [encrypted] = await codec.encode([plain()]);
    expect(meta(encrypted!, METADATA_ENCODING_KEY)).toBe(ENCRYPTED_ENCODING);
    expect(meta(encrypted!, ENCRYPTION_KEY_ID)).toBe('a');
    expect(text(encrypted!)).not.toContain('anna@example.nl');
    expect(text(encrypted!)).not.toContain('json/plain');
    const [decrypted] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decrypted!)).toEqual(debtor);
  });

  test('the same payload encrypts differently each time (a fresh IV per payload)', async () => {
    const [x, y] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(x!.data!).equals(Buffer.from(y!.data!))).toBe(false);
  });

  test.each([
    ['a flipped ciphertext byte', (p: Payload) => ({ ...p, data: flip(p.data!, 20) })],
    ['a flipped IV byte', (p: Payload) => ({ ...p, data: flip(p.data!, 0) })],
    ['a truncated payload', (p: Payload) => ({ ...p, data: p.data!.subarray(0, 10) })],
  ])('%s fails to decrypt with a clear error', async (_name, tamper) => {
    const [encrypted] = await codec.encode([plain()]);
    await expect(codec.decode([tamper(encrypted!)])).rejects.toThrow(/key "a"/);
  });

  test('a payload moved under another known key id fails: the key id is authenticated', async () => {
    const both = new EncryptionCodec(parsePayloadKeys(`a:${keyA},b:${keyA}`));
    const [encrypted] = await both.encode([plain()]);
    const relabelled = { ...encrypted!, metadata: { ...encrypted!.metadata, [ENCRYPTION_KEY_ID]: Buffer.from('b') } };
    await expect(both.decode([relabelled])).rejects.toThrow(/altered or the key is wrong/);
  });

  test('a payload under a key id that is not configured fails, naming the key id', async () => {
    const [encrypted] = await new EncryptionCodec(parsePayloadKeys(`old-2025:${keyB}`)).encode([plain()]);
    await expect(codec.decode([encrypted!])).rejects.toThrow('A payload is encrypted with key "old-2025", which is not in RECOUP_PAYLOAD_KEYS');
  });

  test('unencrypted payloads pass through decode (histories from before encryption stay readable)', async () => {
    const p = plain();
    expect(await codec.decode([p])).toEqual([p]);
  });

  test('after rotation the new first key encrypts and the old key still decrypts', async () => {
    const [old] = await codec.encode([plain()]);
    const rotated = new EncryptionCodec(parsePayloadKeys(`b:${keyB}, a:${keyA}`));
    const [fresh] = await rotated.encode([plain()]);
    expect(meta(fresh!, ENCRYPTION_KEY_ID)).toBe('b');
    const decoded = await rotated.decode([old!, fresh!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([debtor, debtor]);
    await expect(codec.decode([fresh!])).rejects.toThrow(/key "b"/);
  });
});

describe('RECOUP_PAYLOAD_KEYS', () => {
  test('unset: encryption is off', () => {
    expect(parseConfig({}).RECOUP_PAYLOAD_KEYS).toBeUndefined();
  });

  test.each([
    ['no key id', keyA, /entry 1: expected "keyId:base64-key"/],
    ['a short key', `a:${randomBytes(16).toString('base64')}`, /key "a": expected 32 bytes/],
    ['not base64', `a:${'!'.repeat(44)}`, /key "a": expected 32 bytes/],
    ['a key id twice', `a:${keyA},a:${keyB}`, /key "a" is listed twice/],
    ['a bad second entry', `a:${keyA},b c:${keyB}`, /entry 2/],
  ])('%s stops the process with the variable named, never the key', (_name, value, message) => {
    const fail = () => parseConfig({ RECOUP_PAYLOAD_KEYS: value });
    expect(fail).toThrow(/RECOUP_PAYLOAD_KEYS/);
    expect(fail).toThrow(message);
    try {
      fail();
    } catch (err) {
      expect((err as Error).message).not.toContain(keyA);
    }
  });
});

function flip(data: Uint8Array, index: number): Uint8Array {
  const copy = Buffer.from(data);
  copy[index] = copy[index]! ^ 0xff;
  return copy;
}

import { utils } from 'ssh2';

/** How many pairs to try before giving up: a bad pair comes about once in 256. */
const ATTEMPTS = 16;

/**
 * A new Ed25519 SSH key pair in OpenSSH format whose both halves read back. ssh2's
 * `generateKeyPairSync('ed25519')` writes a pair it cannot parse itself about once in 256 times
 * (it strips a public key's leading zero bytes: mscdex/ssh2#1390); a host key like that makes the
 * SFTP server fail at start, and it would be stored for good. Such a pair is thrown away.
 */
export function generateEd25519KeyPair(comment?: string): { private: string; public: string } {
  for (let i = 0; i < ATTEMPTS; i++) {
    const pair = utils.generateKeyPairSync('ed25519', comment === undefined ? undefined : { comment });
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  throw new Error(`no readable Ed25519 key pair in ${ATTEMPTS} attempts`);
}

import { utils } from 'ssh2';
import { generateEd25519KeyPair } from '../../files/ssh-keys';

/**
 * ssh2 writes an Ed25519 pair it cannot read back about once in 256 times; an SFTP host key like
 * that stops the server from starting. 3,000 pairs meet such a one with a chance of 99.99 %.
 */
test('every generated Ed25519 key pair reads back, private and public half', () => {
  const unreadable: string[] = [];
  for (let i = 0; i < 3_000; i++) {
    const pair = generateEd25519KeyPair();
    for (const half of [pair.private, pair.public]) if (utils.parseKey(half) instanceof Error) unreadable.push(half);
  }
  expect(unreadable).toEqual([]);
});

test('the comment is kept on the public half', () => {
  expect(generateEd25519KeyPair('recoup sftp host key').public).toMatch(/^ssh-ed25519 \S+ recoup sftp host key$/);
});

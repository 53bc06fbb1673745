import { z } from 'zod';

/** A partner's SFTP username: lower case, 2–64 characters. */
export const SFTP_USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;
export const SFTP_USERNAME_RULE = 'the username must be 2–64 characters: letters, digits, ".", "_" or "-", starting with a letter or digit';
export const MIN_SFTP_PASSWORD_LENGTH = 12;

/** `POST /partners/{id}/sftp_logins`: neither a password nor a key → a password is generated and answered once. */
export const sftpLoginCreateSchema = z.object({
  username: z
    .string()
    .trim()
    .toLowerCase()
    .regex(SFTP_USERNAME, SFTP_USERNAME_RULE)
    .describe('Stored in lower case; unique among live logins'),
  password: z.string().min(MIN_SFTP_PASSWORD_LENGTH).max(200).optional(),
  public_keys: z.array(z.string().min(1).max(16_000)).max(20).optional().describe('OpenSSH public keys (`ssh-ed25519 AAAA… comment`), one per item'),
});

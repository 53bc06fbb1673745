import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config/config';
import { createDb } from '../db/client';
import { createApiKey, createPartner, revokeApiKey, type Role } from '../services/api-keys';
import { consoleRoles, createConsoleUser, type ConsoleRole } from '../services/console-users';
import { generatePlacementFile } from '../files/placement-generator';
import { secretBoxFor } from '../services/secret-box';
import { sealStoredSecrets } from '../services/stored-secrets';
import { createSftpCredential, listSftpCredentials, revokeSftpCredential, SftpCredentialError } from '../services/sftp-credentials';

const usage = `Usage: npm run recoup -- <command> [options]
  partners:create --name <name> [--ip-allow <cidr>...]
  keys:create --role partner|reviewer|ops [--partner <partner id>]
  keys:revoke --key <key id>
  users:create --email <email> --role reviewer|ops --password <password>   (a /console sign-in)
  files:generate-placement --company <company id> --records <n> --out <file> [--transmit false] [--prefix <id prefix>]
  sftp:create --partner <partner id> --username <username> [--password <password>] [--public-key <file>...]
                (an SFTP login; neither password nor key: a password is generated and printed once)
  sftp:list --partner <partner id>
  sftp:revoke --username <username> | --id <sftp login id>
  secrets:rotate   (re-seals stored secrets with the first key of RECOUP_SECRET_KEYS; then older keys may go)`;

/** Ops tasks from the shell: the same operations as the ops API. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Needs neither configuration nor database (it only writes a file).
  if (command === 'files:generate-placement') return generatePlacementCommand(rest);
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      partner: { type: 'string' },
      role: { type: 'string' },
      key: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      'ip-allow': { type: 'string', multiple: true },
      username: { type: 'string' },
      id: { type: 'string' },
      'public-key': { type: 'string', multiple: true },
    },
  });
  const config = loadConfigOrExit();
  const database = createDb({ databaseUrl: config.DATABASE_URL, dataDir: config.RECOUP_DATA_DIR });
  await database.migrate();
  try {
    switch (command) {
      case 'secrets:rotate': {
        const box = secretBoxFor(config);
        const counts = await sealStoredSecrets(database.db, box, { rotate: true });
        console.log(JSON.stringify({ key_id: box.currentKeyId, resealed: counts }));
        return 0;
      }
      case 'partners:create': {
        if (!values.name) break;
        const p = await createPartner(database.db, { name: values.name, ipAllowList: values['ip-allow'] });
        console.log(JSON.stringify({ id: p.id, name: p.name, ip_allow_list: p.ipAllowList }));
        return 0;
      }
      case 'keys:create': {
        const role = values.role as Role | undefined;
        if (!role || !['partner', 'reviewer', 'ops'].includes(role) || (role === 'partner' && !values.partner)) break;
        console.log(JSON.stringify(await createApiKey(database.db, { partnerId: values.partner ?? null, role })));
        return 0;
      }
      case 'keys:revoke': {
        if (!values.key) break;
        const ok = await revokeApiKey(database.db, values.key);
        console.log(ok ? `revoked ${values.key}` : `no active key ${values.key}`);
        return ok ? 0 : 1;
      }
      case 'users:create': {
        const role = values.role as ConsoleRole | undefined;
        if (!values.email || !values.password || !role || !consoleRoles.includes(role)) break;
        const user = await createConsoleUser(database.db, { email: values.email, role, password: values.password });
        console.log(JSON.stringify({ id: user.id, email: user.email, role: user.role }));
        return 0;
      }
      case 'sftp:create': {
        if (!values.partner || !values.username) break;
        try {
          const publicKeys = (values['public-key'] ?? []).map((file) => readFileSync(file, 'utf8'));
          console.log(JSON.stringify(await createSftpCredential(database.db, { partnerId: values.partner, username: values.username, password: values.password, publicKeys })));
          return 0;
        } catch (err) {
          if (!(err instanceof SftpCredentialError)) throw err;
          console.error(err.message);
          return 1;
        }
      }
      case 'sftp:list': {
        if (!values.partner) break;
        for (const c of await listSftpCredentials(database.db, values.partner)) {
          console.log(JSON.stringify({ id: c.id, username: c.username, password: c.passwordHash !== null, public_keys: c.publicKeys, created_at: c.createdAt, revoked_at: c.revokedAt }));
        }
        return 0;
      }
      case 'sftp:revoke': {
        const login = values.id ? { id: values.id } : values.username ? { username: values.username } : null;
        if (!login) break;
        const ok = await revokeSftpCredential(database.db, login);
        const named = values.id ?? values.username;
        console.log(ok ? `revoked ${named}` : `no live SFTP login ${named}`);
        return ok ? 0 : 1;
      }
    }
    console.error(usage);
    return 2;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

/** `files:generate-placement`: a placement batch file of n generated invoices (docs/batch-files.md). */
async function generatePlacementCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { company: { type: 'string' }, records: { type: 'string' }, out: { type: 'string' }, transmit: { type: 'string' }, prefix: { type: 'string' } },
  });
  const records = Number(values.records);
  if (!values.company || !values.out || !Number.isInteger(records) || records < 0) {
    console.error(usage);
    return 2;
  }
  const { bytes } = await generatePlacementFile({ companyId: values.company, records, out: values.out, transmit: values.transmit !== 'false', prefix: values.prefix });
  console.log(JSON.stringify({ out: values.out, records, bytes }));
  return 0;
}

import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config/config';
import { createDb } from '../db/client';
import { createApiKey, createPartner, revokeApiKey, type Role } from '../services/api-keys';
import { consoleRoles, createConsoleUser, type ConsoleRole } from '../services/console-users';

const usage = `Usage: npm run recoup -- <command> [options]
  partners:create --name <name> [--ip-allow <cidr>...]
  keys:create --role partner|reviewer|ops [--partner <partner id>]
  keys:revoke --key <key id>
  users:create --email <email> --role reviewer|ops --password <password>   (a /console sign-in)`;

/** Ops tasks from the shell: the same operations as the ops API. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
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
    },
  });
  const config = loadConfigOrExit();
  const database = createDb({ databaseUrl: config.DATABASE_URL, dataDir: config.RECOUP_DATA_DIR });
  await database.migrate();
  try {
    switch (command) {
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

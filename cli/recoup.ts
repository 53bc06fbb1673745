import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config/config';
import { createDb } from '../db/client';
import { createApiKey, createPartner, revokeApiKey, type Role } from '../services/api-keys';

const usage = `Usage: npm run recoup -- <command> [options]
  partners:create --name <name> [--ip-allow <cidr>...]
  keys:create --role partner|reviewer|ops [--partner <partner id>]
  keys:revoke --key <key id>`;

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

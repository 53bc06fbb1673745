import { loadConfigOrExit } from '../config/config';
import { createDb } from './client';

/** `npm run db:migrate`: applies the SQL migrations in db/migrations and exits. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const database = createDb({ databaseUrl: config.DATABASE_URL, dataDir: config.RECOUP_DATA_DIR });
  await database.migrate();
  await database.close();
  console.log(`migrations applied (${database.kind})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

import { loadConfigOrExit } from '../config/config';
import { secretBoxFor } from '../services/secret-box';
import { sealStoredSecrets } from '../services/stored-secrets';
import { createDb } from './client';
import { DataFolderInUse } from './data-folder-lock';

/** `npm run db:migrate`: applies the SQL migrations in db/migrations, seals secrets still stored in clear, and exits. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const database = createDb({ databaseUrl: config.DATABASE_URL, dataDir: config.RECOUP_DATA_DIR, holder: 'npm run db:migrate' });
  await database.migrate();
  await sealStoredSecrets(database.db, secretBoxFor(config));
  await database.close();
  console.log(`migrations applied (${database.kind})`);
}

main().catch((err) => {
  console.error(err instanceof DataFolderInUse ? err.message : err);
  process.exit(1);
});

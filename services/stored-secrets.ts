import { and, asc, eq, gt, isNotNull, not, like, or, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { idempotencyKeys, pullSources, webhookEndpoints } from '../db/schema';
import { SEALED_PREFIX, type SecretBox } from './secret-box';

const BATCH = 500;

/** One column holding sealed secrets: how to page through its rows and write one back. */
interface SealedColumn {
  name: string;
  /** Rows after `cursor` (in a stable order), `clearOnly` leaving out values already sealed. */
  read(db: Db, cursor: string | null, clearOnly: boolean): Promise<Array<{ cursor: string; value: string; write(sealed: string): Promise<void> }>>;
}

const notSealed = (column: Parameters<typeof like>[0]): SQL => not(like(column, `${SEALED_PREFIX}%`));

const sealedColumns: SealedColumn[] = [
  {
    name: 'webhook_endpoints.secret',
    async read(db, cursor, clearOnly) {
      const t = webhookEndpoints;
      const rows = await db
        .select({ id: t.id, value: t.secret })
        .from(t)
        .where(and(cursor ? gt(t.id, cursor) : undefined, clearOnly ? notSealed(t.secret) : undefined))
        .orderBy(asc(t.id))
        .limit(BATCH);
      return rows.map((r) => ({
        cursor: r.id,
        value: r.value,
        // Only while it still holds what was read: another process may have sealed it meanwhile.
        write: async (sealed) => void (await db.update(t).set({ secret: sealed }).where(and(eq(t.id, r.id), eq(t.secret, r.value)))),
      }));
    },
  },
  {
    name: 'pull_sources.bearer_token',
    async read(db, cursor, clearOnly) {
      const t = pullSources;
      const rows = await db
        .select({ id: t.companyId, value: t.bearerToken })
        .from(t)
        .where(and(cursor ? gt(t.companyId, cursor) : undefined, clearOnly ? notSealed(t.bearerToken) : undefined))
        .orderBy(asc(t.companyId))
        .limit(BATCH);
      return rows.map((r) => ({
        cursor: r.id,
        value: r.value,
        write: async (sealed) => void (await db.update(t).set({ bearerToken: sealed }).where(and(eq(t.companyId, r.id), eq(t.bearerToken, r.value)))),
      }));
    },
  },
  {
    name: 'idempotency_keys.response_body',
    async read(db, cursor, clearOnly) {
      const t = idempotencyKeys;
      // (scope, key) as one cursor: the scope is an API key id, which never holds a newline.
      const [scope, key] = cursor ? splitCursor(cursor) : [null, null];
      const rows = await db
        .select({ scope: t.scope, key: t.key, value: t.responseBody })
        .from(t)
        .where(
          and(
            isNotNull(t.responseBody),
            scope !== null && key !== null ? or(gt(t.scope, scope), and(eq(t.scope, scope), gt(t.key, key))) : undefined,
            clearOnly ? notSealed(t.responseBody) : undefined,
          ),
        )
        .orderBy(asc(t.scope), asc(t.key))
        .limit(BATCH);
      return rows.map((r) => ({
        cursor: `${r.scope}\n${r.key}`,
        value: r.value!,
        write: async (sealed) =>
          void (await db
            .update(t)
            .set({ responseBody: sealed })
            .where(and(eq(t.scope, r.scope), eq(t.key, r.key), eq(t.responseBody, r.value!)))),
      }));
    },
  },
];

function splitCursor(cursor: string): [string, string] {
  const at = cursor.indexOf('\n');
  return [cursor.slice(0, at), cursor.slice(at + 1)];
}

/**
 * Seals every stored secret still in clear (rows written before sealing existed); with `rotate`,
 * also re-seals what an older key sealed, so that key can then be taken out of RECOUP_SECRET_KEYS.
 * Idempotent, and safe while other processes run: a row is only rewritten while it still holds
 * the value that was read. Run at start after the SQL migrations. Answers the count per column.
 */
export async function sealStoredSecrets(db: Db, box: SecretBox, options: { rotate?: boolean } = {}): Promise<Record<string, number>> {
  const rotate = options.rotate ?? false;
  const counts: Record<string, number> = {};
  for (const column of sealedColumns) {
    let sealed = 0;
    let cursor: string | null = null;
    for (;;) {
      // A start over a sealed database reads no rows: only clear values are selected.
      const rows = await column.read(db, cursor, !rotate);
      for (const row of rows) {
        if (!box.needsSealing(row.value, rotate)) continue;
        await row.write(box.seal(box.open(row.value)));
        sealed++;
      }
      if (rows.length < BATCH) break;
      cursor = rows[rows.length - 1]!.cursor;
    }
    counts[column.name] = sealed;
  }
  return counts;
}

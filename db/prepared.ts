import type { Db } from './client';

/**
 * A query built once per database handle instead of on every call: the SQL text is not rebuilt
 * per request, and on PostgreSQL the statement is named, so each connection parses and plans it
 * once. For the hottest reads, whose shape never changes (parameters are `sql.placeholder`s).
 */
export function preparedPerDb<Q>(build: (db: Db) => Q): (db: Db) => Q {
  const built = new WeakMap<Db, Q>();
  return (db) => {
    let query = built.get(db);
    if (!query) {
      query = build(db);
      built.set(db, query);
    }
    return query;
  };
}

import { getTableColumns, is, sql, SQL } from 'drizzle-orm';
import type { PgColumn, PgInsertBase, PgInsertBuilder, PgInsertValue, PgQueryResultHKT, PgTable } from 'drizzle-orm/pg-core';

/**
 * Many rows of a table as one `SELECT … FROM unnest(…)`, for `tx.insert(table).select(…)`: one
 * array parameter per column instead of one parameter per value. A multi-row `VALUES` list of 500
 * rows is thousands of parameters that the query builder walks one by one and PostgreSQL parses
 * one by one; this statement's size does not grow with the rows. The insert and its `returning()`
 * stay Drizzle's, so the rows come back mapped exactly as `values(…)` would return them.
 *
 * Every column of the table is given, in the table's order (an insert-select names them all): a
 * value a row leaves out takes the column's default as `values(…)` would — a `$defaultFn` is
 * called per row, a plain default is used as the value, and an SQL default (`defaultNow()`) is
 * written into the statement, so a column with one must be left out by every row or by none.
 * Columns that are arrays themselves are not supported (`unnest` would flatten them).
 */
export function unnestRows<T extends PgTable>(table: T, rows: ReadonlyArray<Record<string, unknown>>): SQL {
  if (rows.length === 0) throw new Error('unnestRows needs at least one row');
  const selected: SQL[] = [];
  const arrays: SQL[] = [];
  for (const [key, column] of Object.entries(getTableColumns(table)) as Array<[string, PgColumn]>) {
    // As Drizzle's insert leaves them out (its column list is the same): generated always.
    if (column.generated !== undefined && column.generated.type !== 'byDefault') continue;
    if (column.columnType.endsWith('Array') || column.getSQLType().endsWith(']')) throw new Error(`unnestRows: ${column.name} is an array column`);
    const sqlDefault = column.default !== undefined && is(column.default, SQL) ? column.default : undefined;
    if (sqlDefault) {
      // Counted only for these columns: the others take each row's value or default below.
      const given = rows.filter((r) => r[key] !== undefined).length;
      if (given === 0) {
        selected.push(sqlDefault);
        continue;
      }
      if (given !== rows.length) throw new Error(`unnestRows: ${column.name} has an SQL default and only some rows give it`);
    }
    const values = rows.map((row) => driverValue(column, row[key]));
    const name = sql.identifier(`c${arrays.length}`);
    arrays.push(sql`${sql.param(values)}::${sql.raw(column.getSQLType())}[]`);
    selected.push(sql`u.${name}`);
  }
  const names = sql.join(
    arrays.map((_, i) => sql.identifier(`c${i}`)),
    sql`, `,
  );
  return sql`select ${sql.join(selected, sql`, `)} from unnest(${sql.join(arrays, sql`, `)}) as u(${names})`;
}

/**
 * Below this many rows a plain `VALUES` list is cheaper: the unnest statement costs PostgreSQL more
 * to plan than a few parameters cost to build (measured on POST /invoices, one row each).
 */
const UNNEST_FROM_ROWS = 20;

/** `insert.values(rows)` for a few rows, `insert.select(unnestRows(…))` for many: the same rows stored, the same builder to go on with. */
export function insertRows<T extends PgTable, R extends PgQueryResultHKT>(insert: PgInsertBuilder<T, R>, table: T, rows: Array<PgInsertValue<T>>): PgInsertBase<T, R> {
  return rows.length >= UNNEST_FROM_ROWS ? insert.select(unnestRows(table, rows as Array<Record<string, unknown>>)) : insert.values(rows);
}

/** What Drizzle would send for this column's value, defaults applied as on a plain insert. */
function driverValue(column: PgColumn, value: unknown): unknown {
  let v = value;
  if (v === undefined) v = column.defaultFn ? column.defaultFn() : column.default === undefined && column.onUpdateFn ? column.onUpdateFn() : column.default;
  if (v === undefined || v === null) return null;
  if (is(v, SQL)) throw new Error(`unnestRows: ${column.name} got an SQL value; give plain values`);
  return column.mapToDriverValue(v);
}

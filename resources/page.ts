/**
 * The contract's list envelope `{ data, next_cursor }`. Lists are ordered by id; the cursor is the
 * last id seen, opaque to the client.
 */
export function page<T extends { id: string }>(rows: T[], limit: number) {
  const data = rows.slice(0, limit);
  const more = rows.length > limit;
  return { data, next_cursor: more ? encodeCursor(data[data.length - 1]!.id) : null };
}

export function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  return cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString();
}

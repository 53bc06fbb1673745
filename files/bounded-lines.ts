/** One line of a file, or the note that it was longer than allowed (its text never held). */
export type BoundedLine = { line: number; text: string } | { line: number; tooLong: true };

/**
 * Splits a byte stream into lines (LF or CRLF) holding at most `maxLineBytes` of a line at once.
 * A longer line is reported by its number and its bytes are dropped as they stream past, so a
 * file of one endless line costs no more memory than a short one (readline would buffer it whole).
 * Bytes are decoded only per complete line, so a multi-byte character split across chunks is intact.
 */
export async function* boundedLines(input: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<BoundedLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let line = 0;

  const finish = (): BoundedLine => {
    line++;
    const result: BoundedLine = tooLong ? { line, tooLong: true } : { line, text: Buffer.concat(parts, size).toString('utf8').replace(/\r$/, '') };
    parts = [];
    size = 0;
    tooLong = false;
    return result;
  };

  for await (const chunk of input) {
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!tooLong) {
        if (size + (end - start) > maxLineBytes) {
          tooLong = true;
          parts = [];
          size = 0;
        } else if (end > start) {
          // A copy: holding a slice would keep the whole chunk alive.
          parts.push(Buffer.from(chunk.subarray(start, end)));
          size += end - start;
        }
      }
      if (newline === -1) break;
      yield finish();
      start = newline + 1;
    }
  }
  if (size > 0 || tooLong) yield finish();
}

import { open, stat, type FileHandle } from 'node:fs/promises';
import type { RecordResult } from '../../domain/batch-file';

/** Where the result file is written until it is complete (then renamed to its name). */
export function partTempPath(resultPath: string): string {
  return `${resultPath}.part`;
}

/** A result file being written: appends lines, knows its length, flushes before a heartbeat. */
export class ResultWriter {
  private constructor(
    private readonly handle: FileHandle,
    public bytes: number,
  ) {}

  /** Opens for writing; `truncateTo` keeps that many bytes of an earlier attempt (none: start empty). */
  static async open(file: string, truncateTo: number | undefined): Promise<ResultWriter> {
    const handle = await open(file, truncateTo === undefined || !(await exists(file)) ? 'w' : 'r+');
    const keep = truncateTo ?? 0;
    await handle.truncate(keep);
    return new ResultWriter(handle, keep);
  }

  async write(results: RecordResult[]): Promise<void> {
    if (results.length === 0) return;
    const text = results.map((r) => JSON.stringify(r)).join('\n') + '\n';
    await this.append(text);
  }

  async writeLine(value: unknown): Promise<void> {
    await this.append(`${JSON.stringify(value)}\n`);
  }

  private async append(text: string): Promise<void> {
    const buf = Buffer.from(text, 'utf8');
    await this.handle.write(buf, 0, buf.length, this.bytes);
    this.bytes += buf.length;
  }

  async close(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
  }
}

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

export async function writeWhole(file: string, text: string): Promise<void> {
  const h = await open(file, 'w');
  await h.writeFile(text);
  await h.sync();
  await h.close();
}

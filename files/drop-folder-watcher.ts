import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { submitBatchFile, type IntakeDeps, type IntakeResult } from './intake';
import { isCandidateFileName, isSafePartnerId, partnerFolder } from './layout';

export interface DropFolderWatcherOptions extends IntakeDeps {
  logger: Logger;
  /** Milliseconds between two looks at the inboxes. */
  intervalMs: number;
  /** Told about every file handed over (tests, logs). */
  onSubmitted?: (file: { partnerId: string; path: string }, result: IntakeResult) => void;
}

interface Seen {
  size: number;
  mtimeMs: number;
}

/**
 * Polls every partner's `inbox/` under the files root. A file is complete once its size and
 * modification time were the same at two looks in a row; then it is handed to `submitBatchFile`.
 * Dotfiles, `*.part`, `*.tmp` and `*.filepart` are skipped (upload under such a name, then rename). Several
 * processes may watch the same folder: the move out of the inbox has one winner and the
 * workflow id (partner + content hash) makes a second start harmless.
 */
export class DropFolderWatcher {
  private readonly seen = new Map<string, Seen>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: DropFolderWatcherOptions) {}

  start(): void {
    this.stopped = false;
    const tick = (): void => {
      this.running = this.poll()
        .then(() => undefined)
        .catch((err: unknown) => this.options.logger.error({ err }, 'drop folder poll failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One look at every inbox: submits the files that have not changed since the previous look. */
  async poll(): Promise<IntakeResult[]> {
    const results: IntakeResult[] = [];
    const present = new Set<string>();
    for (const partnerId of await listDirectories(this.options.root)) {
      if (!isSafePartnerId(partnerId)) continue;
      const inbox = partnerFolder(this.options.root, partnerId, 'inbox');
      for (const name of await listFiles(inbox)) {
        if (!isCandidateFileName(name)) continue;
        const file = path.join(inbox, name);
        const now = await stat(file).catch(() => undefined);
        if (!now?.isFile()) continue;
        present.add(file);
        const before = this.seen.get(file);
        this.seen.set(file, { size: now.size, mtimeMs: now.mtimeMs });
        if (!before || before.size !== now.size || before.mtimeMs !== now.mtimeMs) continue;
        this.seen.delete(file);
        present.delete(file);
        try {
          const result = await submitBatchFile(this.options, { partnerId, path: file });
          this.options.logger.info({ partnerId, file: name, status: result.status }, 'batch file picked up');
          this.options.onSubmitted?.({ partnerId, path: file }, result);
          results.push(result);
        } catch (err) {
          this.options.logger.error({ err, partnerId, file: name }, 'batch file could not be handed over; it stays in the inbox');
        }
      }
    }
    for (const file of this.seen.keys()) if (!present.has(file)) this.seen.delete(file);
    return results;
  }
}

async function listDirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

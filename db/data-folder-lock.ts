import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * The embedded database (PGlite) is one process's at a time: two PostgreSQL instances writing one
 * data folder can corrupt it, and neither would see the other's writes. The holder keeps a lock
 * file in the data folder; while `npm start` holds it, the file also says where that process takes
 * the CLI's commands (`admin`), which is why it is readable by the same OS user only.
 */
export const LOCK_FILE = 'recoup.lock';

export interface LockHolder {
  pid: number;
  /** What the holder is, as a person would name it (`npm start`, `npm run recoup -- users:create`). */
  command: string;
  started_at: string;
  /** Where the holder runs the CLI's commands (cli/admin-channel.ts); set once its API listens. */
  admin?: { url: string; secret: string };
}

export class DataFolderInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(`The embedded database in ${dataDir} is in use by pid ${holder.pid} (${holder.command}, since ${holder.started_at}).
Only one process may open it at a time. Stop that process first, or give this one another RECOUP_DATA_DIR
(or use PostgreSQL through DATABASE_URL, which many processes share).`);
    this.name = 'DataFolderInUse';
  }
}

export interface DataFolderLock {
  readonly file: string;
  /** Says in the lock file where this process takes the CLI's commands. */
  advertise(admin: NonNullable<LockHolder['admin']>): void;
  release(): void;
}

/** Alive as far as this user can tell: EPERM means a process of another user has that pid. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of the data folder's lock, or null when the folder is free (no lock, or a dead holder's). */
export function lockHolder(dataDir: string): LockHolder | null {
  let holder: LockHolder;
  try {
    holder = JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE), 'utf8')) as LockHolder;
  } catch {
    return null;
  }
  return Number.isInteger(holder.pid) && isAlive(holder.pid) ? holder : null;
}

/**
 * Takes the data folder for this process, or throws `DataFolderInUse` naming the live holder. A
 * lock left by a process that died (a crash, kill -9) is taken over. Released by `release()` and,
 * failing that, when the process exits.
 */
export function acquireDataFolderLock(dataDir: string, command: string): DataFolderLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const holder: LockHolder = { pid: process.pid, command, started_at: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      // O_EXCL: of two processes starting at once, exactly one creates the file.
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(holder));
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw err;
      const live = lockHolder(dataDir);
      if (live) throw new DataFolderInUse(dataDir, live);
      // A dead holder's lock (or one half-written): remove it and race for the file again.
      try {
        unlinkSync(file);
      } catch {
        // Another starter removed it first; the next `wx` decides.
      }
    }
  }
  let released = false;
  const ours = (): boolean => {
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as LockHolder).pid === process.pid;
    } catch {
      return false;
    }
  };
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (ours()) unlinkSync(file);
  };
  process.on('exit', release);
  return {
    file,
    advertise(admin) {
      // Written beside and renamed over, so a reader never sees half a file.
      const next = `${file}.${process.pid}`;
      writeFileSync(next, JSON.stringify({ ...holder, admin }), { mode: 0o600 });
      renameSync(next, file);
    },
    release,
  };
}

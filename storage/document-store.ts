import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Where uploaded documents live. Keys are chosen by Recoup (`<company id>/<document id>`),
 * never by a client, and a failed `put` leaves nothing behind.
 */
export interface DocumentStore {
  /** Stores the stream under `key`; rejects, storing nothing, when the stream errors. */
  put(key: string, content: Readable): Promise<{ sizeBytes: number }>;
  /** The stored content, or null when there is none under `key`. */
  get(key: string): Promise<Readable | null>;
  /** Removes what is under `key`, if anything. */
  delete(key: string): Promise<void>;
}

const keyPattern = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

function checkKey(key: string): string {
  if (!keyPattern.test(key)) throw new Error(`invalid document key ${JSON.stringify(key)}`);
  return key;
}

/** Files under `root`, written to a temporary name, flushed, then renamed into place. */
export function diskDocumentStore(root: string): DocumentStore {
  const fileOf = (key: string) => path.join(root, ...checkKey(key).split('/'));
  return {
    async put(key, content) {
      const file = fileOf(key);
      await mkdir(path.dirname(file), { recursive: true });
      const partial = `${file}.${randomBytes(6).toString('hex')}.part`;
      const handle = await open(partial, 'wx');
      let sizeBytes = 0;
      try {
        await pipeline(
          content,
          new Writable({
            write(chunk: Buffer, _enc, done) {
              sizeBytes += chunk.length;
              handle.write(chunk).then(() => done(), done);
            },
          }),
        );
        await handle.sync();
        await handle.close();
        await rename(partial, file);
        return { sizeBytes };
      } catch (err) {
        await handle.close().catch(() => undefined);
        await rm(partial, { force: true });
        throw err;
      }
    },
    async get(key) {
      const file = fileOf(key);
      try {
        const handle = await open(file, 'r');
        return handle.createReadStream();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async delete(key) {
      await rm(fileOf(key), { force: true });
    },
  };
}

/** Kept in memory: for tests and `RECOUP_DATA_DIR=memory://`. */
export function memoryDocumentStore(): DocumentStore {
  const objects = new Map<string, Buffer>();
  return {
    async put(key, content) {
      checkKey(key);
      const chunks: Buffer[] = [];
      for await (const chunk of content) chunks.push(Buffer.from(chunk as Buffer));
      const data = Buffer.concat(chunks);
      objects.set(key, data);
      return { sizeBytes: data.length };
    },
    async get(key) {
      const data = objects.get(checkKey(key));
      return data ? Readable.from([data]) : null;
    },
    async delete(key) {
      objects.delete(checkKey(key));
    },
  };
}

/** The store for a data folder: `<RECOUP_DATA_DIR>/documents`, or memory for `memory://`. */
export function documentStoreFor(dataDir: string): DocumentStore {
  return dataDir === 'memory://' ? memoryDocumentStore() : diskDocumentStore(path.resolve(dataDir, 'documents'));
}

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { diskDocumentStore, memoryDocumentStore, type DocumentStore } from '../../storage/document-store';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

function failingStream(): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(Buffer.from('partial'));
      } else this.destroy(new Error('client went away'));
    },
  });
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.each<[string, () => { store: DocumentStore; root?: string }]>([
  ['disk', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'recoup-docs-'));
    dirs.push(root);
    return { store: diskDocumentStore(root), root };
  }],
  ['memory', () => ({ store: memoryDocumentStore() })],
])('the %s document store', (_kind, make) => {
  test('gives back what was put, and nothing after delete', async () => {
    const { store } = make();
    const content = Buffer.alloc(300_000, 7);
    expect(await store.put('cmp_1/doc_1', Readable.from([content.subarray(0, 100_000), content.subarray(100_000)]))).toEqual({ sizeBytes: 300_000 });
    expect((await readAll((await store.get('cmp_1/doc_1'))!)).equals(content)).toBe(true);
    await store.delete('cmp_1/doc_1');
    expect(await store.get('cmp_1/doc_1')).toBeNull();
  });

  test('keeps nothing when the incoming stream fails', async () => {
    const { store, root } = make();
    await expect(store.put('cmp_1/doc_2', failingStream())).rejects.toThrow('client went away');
    expect(await store.get('cmp_1/doc_2')).toBeNull();
    if (root) expect(readdirSync(path.join(root, 'cmp_1'))).toEqual([]);
  });

  test.each(['../escape', 'cmp_1/../../x', '/abs', 'a//b', ''])('refuses the key %j', async (key) => {
    const { store } = make();
    await expect(store.put(key, Readable.from([Buffer.from('x')]))).rejects.toThrow('invalid document key');
  });
});

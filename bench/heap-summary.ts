/**
 * What a V8 heap snapshot holds, by kind of object: `npx tsx bench/heap-summary.ts <file.heapsnapshot> [N]`
 * prints the N (default 40) largest groups by self size (node type and constructor or string
 * name), with their counts. Used on the workflow thread's snapshot the memory benchmark writes
 * (RECOUP_BENCH_WORKFLOW_HEAP_SNAPSHOT) to see what each cached workflow holds.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] }; node_count: number };
  nodes: number[];
  strings: string[];
}

export function summarizeHeap(snapshot: Snapshot): { total: number; groups: Array<{ group: string; count: number; bytes: number }> } {
  const fields = snapshot.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snapshot.snapshot.meta.node_types[0];
  const groups = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!]!;
    // Strings and code are grouped by type alone: their names are their contents.
    const name = type === 'object' || type === 'closure' || type === 'native' || type === 'array' ? snapshot.strings[snapshot.nodes[i + nameAt]!]!.slice(0, 60) : '';
    const key = `${type}${name ? ` ${name}` : ''}`;
    const bytes = snapshot.nodes[i + sizeAt]!;
    total += bytes;
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count += 1;
    g.bytes += bytes;
    groups.set(key, g);
  }
  return { total, groups: [...groups].map(([group, g]) => ({ group, ...g })).sort((a, b) => b.bytes - a.bytes) };
}

if (require.main === module) {
  const [file, top = '40'] = process.argv.slice(2);
  if (!file) throw new Error('usage: npx tsx bench/heap-summary.ts <file.heapsnapshot> [N]');
  const { total, groups } = summarizeHeap(JSON.parse(readFileSync(file, 'utf8')) as Snapshot);
  console.log(`total self size ${(total / 1024 / 1024).toFixed(1)} MB in ${groups.reduce((n, g) => n + g.count, 0)} objects`);
  for (const g of groups.slice(0, Number(top))) console.log(`${(g.bytes / 1024 / 1024).toFixed(1).padStart(8)} MB ${String(g.count).padStart(9)}  ${g.group}`);
}

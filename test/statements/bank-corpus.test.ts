import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { startStack, type Stack } from '../support/stack';
import { corpusDir, postStatement, readCorpus, type CorpusFile } from './corpus';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Parser: Mt940Parser } = require('mt940js') as { Parser: new () => { parse(text: string): Array<{ transactions: unknown[] }> } };

/**
 * Real banks' statement files (test/fixtures/bank-statements, listed with their origin and licence in
 * SOURCES.md) are POSTed one by one over HTTP to /api/v2/bank_statements: each imports with the
 * transaction count a standard parser reads from it — mt940js at test time, WoLpH's Python mt-940
 * where mt940js refuses the file (the count is in SOURCES.md), the number of Ntry elements for
 * camt.053 — and a file no parser reads is refused with a 4xx naming its line or element.
 */
let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

function mt940jsCount(text: string): number {
  return new Mt940Parser().parse(text).reduce((n, s) => n + s.transactions.length, 0);
}

function ntryCount(xml: string): number {
  const doc = new XMLParser({ removeNSPrefix: true, isArray: (name) => name === 'Stmt' || name === 'Ntry' }).parse(xml) as { Document?: { BkToCstmrStmt?: { Stmt?: Array<{ Ntry?: unknown[] }> } } };
  return (doc.Document?.BkToCstmrStmt?.Stmt ?? []).reduce((n, s) => n + (s.Ntry?.length ?? 0), 0);
}

/** What the reference parser reads from the file: a transaction count, or null when it reads no statement. */
function referenceCount(entry: CorpusFile, text: string): number | null {
  if (entry.reference === 'mt940js') return mt940jsCount(text);
  if (entry.reference === 'Ntry') return ntryCount(text);
  if (entry.reference === 'refused') {
    if (!entry.file.endsWith('.xml')) expect(() => mt940jsCount(text)).toThrow();
    return null;
  }
  const second = /^mt-940 (\d+)$/.exec(entry.reference);
  if (!second) throw new Error(`SOURCES.md: unknown reference "${entry.reference}" for ${entry.file}`);
  // The row says mt940js cannot read it; were that to change, the row should say mt940js.
  expect(() => mt940jsCount(text)).toThrow();
  return Number(second[1]);
}

const corpus = readCorpus();

test('the corpus covers MT940, MT942 and camt.053 of at least five banks', () => {
  const formats = new Set(corpus.map((c) => c.format.replace(/ snippet$/, '')));
  for (const f of ['MT940', 'MT942', 'camt.053.001.02', 'camt.053.001.04', 'camt.053.001.08']) expect(formats.has(f)).toBe(true);
  const banks = new Set(corpus.filter((c) => c.reference !== 'refused').map((c) => c.bank.replace(/ \(.*$/, '')));
  expect(banks.size).toBeGreaterThanOrEqual(5);
  expect(corpus.length).toBeGreaterThanOrEqual(20);
});

test.each(corpus)('$file ($bank, $format) reads what the reference parser reads (or refuses what it refuses, naming the line)', async (entry) => {
  const bytes = readFileSync(join(corpusDir, entry.file));
  const expected = referenceCount(entry, bytes.toString('utf8'));
  const res = await postStatement(stack, bytes, entry.file.endsWith('.xml') ? 'application/xml' : 'text/plain');
  if (expected === null) {
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('statement_unreadable');
    expect(res.body.error.details[0].path).toMatch(/^(line \d+|Document)/);
    return;
  }
  expect({ status: res.status, error: res.body.error }).toEqual({ status: 201, error: undefined });
  expect(res.body.transaction_count).toBe(expected);
});

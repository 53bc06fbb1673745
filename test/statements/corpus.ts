import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpResponse } from '../support/http';
import { OPS_KEY, type Stack } from '../support/stack';

export const corpusDir = join(__dirname, '..', 'fixtures', 'bank-statements');

/** One row of the corpus table in SOURCES.md. */
export interface CorpusFile {
  file: string;
  bank: string;
  format: string;
  /** `mt940js`, `mt-940 N` (the Python parser's count), `Ntry` or `refused`. */
  reference: string;
}

/** The files table of SOURCES.md: its rows start with a file path in backticks. */
export function readCorpus(): CorpusFile[] {
  const rows = readFileSync(join(corpusDir, 'SOURCES.md'), 'utf8').split('\n').filter((l) => /^\| `[^`]+\.[a-z0-9]+` \|/.test(l));
  return rows.map((row) => {
    const [file, bank, format, reference] = row.split('|').slice(1, 5).map((c) => c.trim());
    return { file: file!.replace(/`/g, ''), bank: bank!, format: format!.replace(/`/g, ''), reference: reference! };
  });
}

/** POSTs a statement file's bytes as they are (no re-encoding) with the ops key. */
export async function postStatement(stack: Stack, bytes: Uint8Array | string, contentType: string): Promise<HttpResponse> {
  const res = await fetch(`${stack.baseUrl}/api/v2/bank_statements`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OPS_KEY}`, 'content-type': contentType },
    body: bytes,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body, headers: res.headers };
}

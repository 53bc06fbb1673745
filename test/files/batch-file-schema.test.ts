import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { batchFileHeaderSchema, issuesToErrors, placementRecordSchema, updateRecordSchema } from '../../domain/batch-file';

/**
 * The published JSON Schema (schemas/batch-file.v1.schema.json) and the processor's validation
 * (domain/batch-file.ts) must agree: every example line is accepted or refused by both, and the
 * documented example files are valid.
 */
const root = path.join(__dirname, '..', '..');
const schema = JSON.parse(readFileSync(path.join(root, 'schemas', 'batch-file.v1.schema.json'), 'utf8')) as { $id: string };
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(schema);

type Kind = 'header' | 'placement' | 'update';
const defs: Record<Kind, string> = { header: 'header', placement: 'placement_record', update: 'update_record' };
const zod = { header: batchFileHeaderSchema, placement: placementRecordSchema, update: updateRecordSchema };

function jsonSchemaAccepts(kind: Kind, value: unknown): boolean {
  const validate = ajv.getSchema(`${schema.$id}#/$defs/${defs[kind]}`)!;
  return validate(value) as boolean;
}

function exampleLines(file: string): unknown[] {
  return readFileSync(path.join(root, 'docs', 'examples', file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}

const [placementHeader, ...placements] = exampleLines('placement.jsonl');
const [updateHeader, ...updates] = exampleLines('update.jsonl');
const goodPlacement = placements[0] as { record_id: string; invoice: Record<string, unknown> };
const withInvoice = (patch: Record<string, unknown>) => ({ ...goodPlacement, invoice: { ...goodPlacement.invoice, ...patch } });

test.each([
  ...[placementHeader, updateHeader].map((v) => ['header', v] as const),
  ...placements.map((v) => ['placement', v] as const),
  ...updates.map((v) => ['update', v] as const),
])('the documented example %s line (case %#) is valid for the JSON Schema and the processor', (kind, value) => {
  expect(jsonSchemaAccepts(kind, value)).toBe(true);
  expect(zod[kind].safeParse(value).success).toBe(true);
});

/** Lines both must refuse, with the field the processor reports. */
const refused: Array<[string, Kind, unknown, string]> = [
  ['a header of another version', 'header', { format: 'recoup.batch', version: 2, type: 'placement', company_id: 'c' }, 'version'],
  ['a header of an unknown type', 'header', { format: 'recoup.batch', version: 1, type: 'delete', company_id: 'c' }, 'type'],
  ['a header without company', 'header', { format: 'recoup.batch', version: 1, type: 'update' }, 'company_id'],
  ['a header with an unknown setting', 'header', { format: 'recoup.batch', version: 1, type: 'placement', company_id: 'c', settings: { fast: true } }, 'settings'],
  ['a placement without record id', 'placement', { invoice: goodPlacement.invoice }, 'record_id'],
  ['a record id with spaces', 'placement', { ...goodPlacement, record_id: 'a b' }, 'record_id'],
  ['a placement without external id', 'placement', withInvoice({ external_id: undefined }), 'invoice.external_id'],
  ['a debtor without last or organisation name', 'placement', withInvoice({ debtor: { first_name: 'A' } }), 'invoice.debtor.last_name'],
  ['a due date that is no date', 'placement', withInvoice({ due_date: '2027-02-30' }), 'invoice.due_date'],
  ['no invoice lines', 'placement', withInvoice({ invoice_lines: [] }), 'invoice.invoice_lines'],
  ['an amount with decimals', 'placement', withInvoice({ invoice_lines: [{ description: 'x', amount_cents: 10.5 }] }), 'invoice.invoice_lines.0.amount_cents'],
  ['a lowercase currency', 'placement', withInvoice({ currency: 'eur' }), 'invoice.currency'],
  ['a bad email', 'placement', withInvoice({ debtor: { last_name: 'X', email: 'not-an-email' } }), 'invoice.debtor.email'],
  ['an unknown record field', 'placement', { ...goodPlacement, priority: 'high' }, ''],
  ['an unknown action', 'update', { record_id: 'u', action: 'teleport', invoice_external_id: 'x' }, 'action'],
  ['a payment of zero', 'update', { record_id: 'u', action: 'payment', invoice_external_id: 'x', amount_cents: 0 }, 'amount_cents'],
  ['a credit without amount', 'update', { record_id: 'u', action: 'credit', invoice_external_id: 'x' }, 'amount_cents'],
  ['an update without target', 'update', { record_id: 'u', action: 'hold' }, 'invoice_external_id'],
  ['an update with both targets', 'update', { record_id: 'u', action: 'resume', invoice_external_id: 'x', invoice_id: 'inv_1' }, 'invoice_external_id'],
  ['a contact change with nothing to change', 'update', { record_id: 'u', action: 'contact', invoice_external_id: 'x', debtor: {} }, 'debtor'],
  ['a contact change of a field that cannot change', 'update', { record_id: 'u', action: 'contact', invoice_external_id: 'x', debtor: { last_name: 'Y' } }, 'debtor'],
  ['a payment with a date that is not a timestamp', 'update', { record_id: 'u', action: 'payment', invoice_external_id: 'x', amount_cents: 5, paid_at: '2027-01-01' }, 'paid_at'],
  ['a field of another action', 'update', { record_id: 'u', action: 'hold', invoice_external_id: 'x', amount_cents: 5 }, ''],
];

test.each(refused)('%s is refused by the JSON Schema and by the processor, which names the field', (_name, kind, value, field) => {
  expect(jsonSchemaAccepts(kind, value)).toBe(false);
  const parsed = zod[kind].safeParse(value);
  expect(parsed.success).toBe(false);
  const fields = issuesToErrors(parsed.error!.issues).map((e) => e.field);
  expect(fields).toContain(field);
});

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { ledgerEntries } from '../../db/schema';
import { createApiKey } from '../../services/api-keys';
import { debtCaseState, debtCaseWorkflowId, invoicePaid } from '../../workflows/debt-case.messages';
import type { debtCaseWorkflow } from '../../workflows/debt-case.workflow';
import { eventually } from '../support/eventually';
import { dateFrom } from '../support/seed';
import { invoiceBody, startStack, workflowBundle, type Stack } from '../support/stack';
import { caseBody, caseEventually, configure, createCase, timelineTypes } from './support';

/**
 * Every path of a case's workflow `debt-case-<id>` over the real API, database and Temporal
 * (time-skipping) server: automatic approval, review approve / reject, and the closes (collected in
 * full, partially, uncollectible, withdrawn) with what they do to the case's invoice.
 */
let stack: Stack;
let key: string;
let companyId: string;
let reviewerKey: string;
let reviewerKeyId: string;

beforeAll(async () => {
  stack = await startStack();
  const partner = await stack.newPartner('Cases');
  ({ key, companyId } = partner);
  const reviewer = await createApiKey(stack.database.db, { partnerId: partner.partnerId, role: 'reviewer' });
  reviewerKey = reviewer.secret;
  reviewerKeyId = reviewer.id;
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const get = async (id: string, k = key) => (await stack.request('GET', `/api/v2/debt_collection_cases/${id}`, { key: k })).body;
const post = (id: string, op: string, body: unknown, k = key) => stack.request('POST', `/api/v2/debt_collection_cases/${id}/${op}`, { key: k, body });
/** Finished cases by path, replayed at the end (and recorded for test/histories with RECORD_HISTORIES=1). */
const finished: Record<string, string> = {};
const caseHandle = (id: string) => stack.env.client.workflow.getHandle<typeof debtCaseWorkflow>(debtCaseWorkflowId(id));
/** The result of a finished case, read with a plain client: the time-skipping client's `result()` toggles time skipping. */
const caseResult = (id: string) => new Client({ connection: stack.env.connection }).workflow.getHandle<typeof debtCaseWorkflow>(debtCaseWorkflowId(id)).result();

describe('manual cases through their states', () => {
  beforeAll(async () => {
    await configure(stack, key, companyId, [
      { name: 'small claims in house', collector: 'in_house', review_required: false, conditions: { max_amount_cents: 50_000 } },
      { name: 'dollar claims, reviewed', collector: 'in_house', review_required: true, conditions: { currencies: ['USD'] } },
    ]);
  });

  test('a configuration without review approves the case at mark-prepared and hands it to the collector', async () => {
    const created = await createCase(stack, key, caseBody(companyId, { amountCents: 12_000 }));
    expect(created).toMatchObject({ state: 'preparing', collector: null, review_required: null });
    const prepared = await post(created.id, 'mark_prepared', undefined);
    expect(prepared.status).toBe(200);
    expect(prepared.body).toMatchObject({
      state: 'processing',
      review_required: false,
      collector: { name: 'small claims in house', kind: 'in_house', matched_configuration: true, configuration_version: 1 },
    });
    const handed = await caseEventually(stack, key, created.id, (c) => expect(c.hand_off).toMatchObject({ delivery: 'in_house', handed_off_at: expect.any(String) }));
    expect(timelineTypes(handed)).toEqual(['debt_case.created', 'debt_case.handed_off']);
    expect(handed.timeline[1].data).toMatchObject({ company_id: companyId, invoice_id: null, debt_collection_case_id: created.id, sent: false });
    expect((await caseHandle(created.id).query(debtCaseState)).state).toBe('processing');
  });

  test('a case no configuration matches waits for review; an approval is audited and hands it off', async () => {
    const created = await createCase(stack, key, caseBody(companyId, { amountCents: 90_000 }));
    const prepared = await post(created.id, 'mark_prepared', undefined);
    expect(prepared.body).toMatchObject({ state: 'reviewing', review_required: true, collector: { name: null, kind: 'in_house', matched_configuration: false } });
    const before = Date.now();
    const approved = await post(created.id, 'review', { decision: 'approve', reason: 'debtor unreachable for six months' }, reviewerKey);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ state: 'processing', review: { decision: 'approve', reason: 'debtor unreachable for six months', reviewed_by: reviewerKeyId } });
    expect(Date.parse(approved.body.review.reviewed_at)).toBeGreaterThanOrEqual(before - 1_000);
    const handed = await caseEventually(stack, key, created.id, (c) => expect(c.hand_off?.delivery).toBe('in_house'));
    expect(timelineTypes(handed)).toEqual(['debt_case.created', 'debt_case.review_required', 'debt_case.approved', 'debt_case.handed_off']);
    expect(handed.timeline.find((e: { type: string }) => e.type === 'debt_case.approved').data.review).toMatchObject({ reviewed_by: reviewerKeyId, reason: 'debtor unreachable for six months' });
  });

  test('a configuration that asks for review sends the case to reviewing; a rejection closes it as rejected', async () => {
    const created = await createCase(stack, key, caseBody(companyId, { amountCents: 70_000, currency: 'USD' }));
    expect((await post(created.id, 'mark_prepared', undefined)).body).toMatchObject({ state: 'reviewing', collector: { name: 'dollar claims, reviewed' } });
    const rejected = await post(created.id, 'review', { decision: 'reject', reason: 'the claim is disputed in court' }, reviewerKey);
    expect(rejected.body).toMatchObject({ state: 'closed', close_reason: 'rejected', collected_amount_cents: 0, review: { decision: 'reject', reviewed_by: reviewerKeyId }, hand_off: null });
    expect(timelineTypes(rejected.body)).toEqual(['debt_case.created', 'debt_case.review_required', 'debt_case.rejected', 'debt_case.closed']);
    expect(await caseResult(created.id)).toEqual({ state: 'closed', closeReason: 'rejected', amountCents: 70_000, collectedAmountCents: 0 });
    finished['review-rejected'] = created.id;
  });

  test('an uncollectible case without an invoice closes with nothing collected', async () => {
    const created = await createCase(stack, key, caseBody(companyId, { amountCents: 8_000 }));
    await post(created.id, 'mark_prepared', undefined);
    const closed = await post(created.id, 'close', { reason: 'uncollectible', note: 'debtor insolvent' });
    expect(closed.body).toMatchObject({ state: 'closed', close_reason: 'uncollectible', close_note: 'debtor insolvent', collected_amount_cents: 0 });
    expect(closed.body.timeline.at(-1)).toMatchObject({ type: 'debt_case.closed', data: { close_reason: 'uncollectible', invoice_status: null } });
  });

  test('the first matching configuration decides, case by case', async () => {
    const scenarios: Array<[Parameters<typeof caseBody>[1], string, string | null]> = [
      [{ amountCents: 50_000 }, 'processing', 'small claims in house'],
      [{ amountCents: 50_001 }, 'reviewing', null],
      [{ amountCents: 100, currency: 'USD' }, 'processing', 'small claims in house'],
      [{ amountCents: 60_000, currency: 'USD' }, 'reviewing', 'dollar claims, reviewed'],
    ];
    for (const [facts, state, configuration] of scenarios) {
      const created = await createCase(stack, key, caseBody(companyId, facts));
      const prepared = (await post(created.id, 'mark_prepared', undefined)).body;
      expect({ facts, state: prepared.state, configuration: prepared.collector.name }).toEqual({ facts, state, configuration });
    }
  });
});

describe('cases from dunning, and what closing them does to the invoice', () => {
  let dunningKey: string;
  let dunningCompany: string;
  const invoices: Record<'full' | 'partial' | 'uncollectible' | 'withdrawn', { id: string; caseId: string; due: number }> = {} as never;

  beforeAll(async () => {
    ({ key: dunningKey, companyId: dunningCompany } = await stack.newPartner('Dunning'));
    await configure(stack, dunningKey, dunningCompany, [{ name: 'in house', collector: 'in_house', review_required: false, conditions: {} }]);
    const policy = await stack.request('PUT', `/api/v2/companies/${dunningCompany}/dunning_policy`, {
      key: dunningKey,
      body: { steps: [{ offset_days: 1, action: 'debt_collection', channels: [] }] },
    });
    expect(policy.status).toBe(200);
    const imp = await stack.request('POST', '/api/v2/imports', { key: dunningKey, body: { company_id: dunningCompany } });
    const today = dateFrom(await stack.env.currentTimeMs(), 0);
    const amounts = { full: 30_000, partial: 20_000, uncollectible: 15_000, withdrawn: 10_000 };
    for (const [name, amount] of Object.entries(amounts)) {
      const inv = await stack.request('POST', '/api/v2/invoices', {
        key: dunningKey,
        body: invoiceBody(imp.body.id, {
          issue_date: today,
          due_date: today,
          invoice_lines: [{ description: `Membership (${name})`, amount_cents: amount, quantity: 1, vat_rate: 0 }],
          debtor: { first_name: 'Anna', last_name: 'de Vries', email: 'anna@example.nl', locale: 'nl', timezone: 'Europe/Amsterdam', address: { street: 'Oudegracht 1', postal_code: '3511 AB', city: 'Utrecht', country: 'NL' } },
        }),
      });
      expect(inv.status).toBe(201);
      invoices[name as keyof typeof invoices] = { id: inv.body.id, caseId: '', due: amount };
    }
    expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key: dunningKey })).status).toBe(202);
    await eventually(async () => expect((await stack.request('GET', `/api/v2/imports/${imp.body.id}`, { key: dunningKey })).body.status).toBe('transmitted'));
    await stack.env.sleep('3 days');
    for (const inv of Object.values(invoices)) {
      const row = await eventually(async () => {
        const body = (await stack.request('GET', `/api/v2/invoices/${inv.id}`, { key: dunningKey })).body;
        expect(body).toMatchObject({ status: 'in_debt_collection', debt_collection_case_id: expect.stringMatching(/^dcc_/) });
        return body;
      });
      inv.caseId = row.debt_collection_case_id;
    }
  }, 120_000);

  const dget = (id: string) => get(id, dunningKey);
  const dpost = (id: string, op: string, body: unknown) => post(id, op, body, dunningKey);
  const invoice = async (id: string) => (await stack.request('GET', `/api/v2/invoices/${id}`, { key: dunningKey })).body;

  test('a case from dunning prepares itself: invoice, lines and timeline attached as JSON, then marked prepared and handed off', async () => {
    const kase = await caseEventually(stack, dunningKey, invoices.full.caseId, (c) => expect(c).toMatchObject({ state: 'processing', hand_off: { delivery: 'in_house' } }));
    expect(kase).toMatchObject({ source: 'dunning', invoice_id: invoices.full.id, amount_cents: 30_000, currency: 'EUR', collector: { name: 'in house' } });
    expect(kase.documents.map((d: { type: string }) => d.type).sort()).toEqual(['invoice', 'invoice_lines', 'timeline']);
    expect(kase.documents.every((d: { content_type: string; automatic: boolean }) => d.content_type === 'application/json' && d.automatic)).toBe(true);
    const invoiceDoc = kase.documents.find((d: { type: string }) => d.type === 'invoice');
    const content = await fetch(`${stack.baseUrl}/api/v2/debt_collection_cases/${kase.id}/documents/${invoiceDoc.id}/content`, { headers: { authorization: `Bearer ${dunningKey}` } });
    expect(content.status).toBe(200);
    expect(await content.json()).toMatchObject({ id: invoices.full.id, amount_total_cents: 30_000, invoice_lines: [expect.objectContaining({ amount_cents: 30_000 })] });
    const timelineDoc = kase.documents.find((d: { type: string }) => d.type === 'timeline');
    const timeline = await fetch(`${stack.baseUrl}/api/v2/debt_collection_cases/${kase.id}/documents/${timelineDoc.id}/content`, { headers: { authorization: `Bearer ${dunningKey}` } }).then((r) => r.json() as Promise<{ data: Array<{ type: string }> }>);
    expect(timeline.data.map((e) => e.type)).toEqual(expect.arrayContaining(['invoice.transmitted', 'invoice.dunning_level_changed']));
  });

  test('collected in full: each amount is a collector payment on the invoice, which is paid; closing as collected makes it collected', async () => {
    const { id, caseId } = invoices.full;
    await caseEventually(stack, dunningKey, caseId, (c) => expect(c.hand_off).not.toBeNull());
    const first = await dpost(caseId, 'collected_amounts', { amount_cents: 10_000, collected_at: '2027-03-01T10:00:00Z' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ sequence: 1, amount_cents: 10_000, source: 'api', invoice_payment: 'recorded', case: { collected_amount_cents: 10_000, outstanding_amount_cents: 20_000 } });
    expect(await invoice(id)).toMatchObject({ status: 'in_debt_collection', amount_paid_cents: 10_000, amount_due_cents: 20_000 });
    const tooMuch = await dpost(caseId, 'collected_amounts', { amount_cents: 20_001 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe('collected_amount_exceeds_outstanding');
    const early = await dpost(caseId, 'close', { reason: 'collected' });
    expect(early.status).toBe(422);
    expect(early.body.error.code).toBe('close_reason_mismatch');

    expect((await dpost(caseId, 'collected_amounts', { amount_cents: 20_000 })).body).toMatchObject({ sequence: 2, invoice_payment: 'recorded' });
    expect(await invoice(id)).toMatchObject({ status: 'paid', amount_paid_cents: 30_000, amount_due_cents: 0 });
    const payments = await stack.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.invoiceId, id));
    expect(payments.filter((p) => p.kind === 'payment').map((p) => p.externalId).sort()).toEqual([`collector:${caseId}:1`, `collector:${caseId}:2`]);

    const closed = await dpost(caseId, 'close', { reason: 'collected' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ state: 'closed', close_reason: 'collected', collected_amount_cents: 30_000, outstanding_amount_cents: 0 });
    expect(closed.body.timeline.at(-1)).toMatchObject({ type: 'debt_case.closed', invoice_id: id, data: { invoice_status: 'collected', invoice_id: id, company_id: dunningCompany } });
    expect(await invoice(id)).toMatchObject({ status: 'collected', amount_paid_cents: 30_000 });
    expect(await caseResult(caseId)).toEqual({ state: 'closed', closeReason: 'collected', amountCents: 30_000, collectedAmountCents: 30_000 });
    finished['dunning-collected'] = caseId;
    const again = await dpost(caseId, 'close', { reason: 'collected' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('debt_case_closed');
  });

  test('partially collected: the amount is paid on the invoice and the rest written off', async () => {
    const { id, caseId } = invoices.partial;
    await caseEventually(stack, dunningKey, caseId, (c) => expect(c.state).toBe('processing'));
    await dpost(caseId, 'collected_amounts', { amount_cents: 5_000 });
    const closed = await dpost(caseId, 'close', { reason: 'partially_collected', note: 'settled with the debtor for a quarter' });
    expect(closed.body).toMatchObject({ state: 'closed', close_reason: 'partially_collected', collected_amount_cents: 5_000, outstanding_amount_cents: 15_000 });
    expect(await invoice(id)).toMatchObject({ status: 'written_off', amount_paid_cents: 5_000 });
    expect(closed.body.timeline.at(-1).data.invoice_status).toBe('written_off');
    finished['dunning-partially-collected'] = caseId;
  });

  test('uncollectible: the invoice, its workflow still running, is written off by its workflow', async () => {
    const { id, caseId } = invoices.uncollectible;
    await caseEventually(stack, dunningKey, caseId, (c) => expect(c.state).toBe('processing'));
    const closed = await dpost(caseId, 'close', { reason: 'uncollectible' });
    expect(closed.body).toMatchObject({ state: 'closed', close_reason: 'uncollectible', collected_amount_cents: 0 });
    expect(await invoice(id)).toMatchObject({ status: 'written_off', amount_paid_cents: 0 });
    const invoiceWorkflow = stack.env.client.workflow.getHandle(`invoice-${id}`);
    await eventually(async () => expect((await invoiceWorkflow.describe()).status.name).toBe('COMPLETED'));
  });

  test('withdrawn: the debtor pays the invoice in full while the case is processing', async () => {
    const { id, caseId, due } = invoices.withdrawn;
    await caseEventually(stack, dunningKey, caseId, (c) => expect(c.state).toBe('processing'));
    // The collector's own payments never withdraw the case.
    expect((await caseHandle(caseId).executeUpdate(invoicePaid, { args: [{ invoiceId: id, source: 'collector' }] })).state).toBe('processing');
    const paid = await stack.request('POST', `/api/v2/invoices/${id}/payments`, { key: dunningKey, body: { amount_cents: due, external_id: 'bank-77' } });
    expect(paid.body.invoice.status).toBe('paid');
    // The invoice workflow tells the case: the debtor paid it in full, so the case is withdrawn.
    await caseEventually(stack, dunningKey, caseId, (c) => expect(c.state).toBe('closed'));
    const kase = await dget(caseId);
    expect(kase).toMatchObject({ state: 'closed', close_reason: 'withdrawn', closed_by: 'invoice', close_note: 'the invoice was paid in full' });
    expect((await invoice(id)).status).toBe('paid');
    finished['dunning-withdrawn'] = caseId;
  });
});

test('every path’s history replays deterministically against today’s workflow code', async () => {
  expect(Object.keys(finished)).toHaveLength(4);
  for (const [name, id] of Object.entries(finished)) {
    await eventually(async () => expect((await caseHandle(id).describe()).status.name).toBe('COMPLETED'));
    const history = await caseHandle(id).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, name);
    // `RECORD_HISTORIES=1` keeps them for test/workflows/replay.test.ts, which replays every later version against them.
    if (process.env.RECORD_HISTORIES) {
      writeFileSync(path.join(__dirname, '..', 'histories', `debt-case-${name}.history.bin`), temporal.api.history.v1.History.encode(history).finish());
    }
  }
});

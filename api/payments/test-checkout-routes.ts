import express, { Router, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { escapeHtml, formatMoney } from '../../messaging/templates';
import type { TestPaymentProvider } from '../../payments/test-provider';
import { portalPageHeaders } from '../portal/views';

/**
 * The `test` provider's hosted checkout: `/pay/test-provider/{id}?checkout=…` with "Pay" and
 * "Fail". Pressing one makes this fake PSP post a signed event to Recoup's own webhook route, then
 * send the browser back to the portal, as a real PSP does. Dev and tests only; English only.
 */
export function testCheckoutRoutes(provider: TestPaymentProvider): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  r.get('/pay/test-provider/:id', (req, res) => {
    const token = typeof req.query.checkout === 'string' ? req.query.checkout : '';
    const checkout = provider.readCheckout(String(req.params.id), token);
    if (!checkout) return page(res, 404, '<h1>Unknown checkout</h1>');
    const amount = escapeHtml(formatMoney(checkout.amountCents, checkout.currency, 'en'));
    const button = (outcome: 'paid' | 'failed', label: string, cls: string) =>
      `<form method="post" action="/pay/test-provider/${escapeHtml(checkout.id)}/complete"><input type="hidden" name="checkout" value="${escapeHtml(token)}"><input type="hidden" name="outcome" value="${outcome}"><button class="${cls}" type="submit">${label}</button></form>`;
    return page(
      res,
      200,
      `<p class="tag">Test payment provider · no real money moves</p>
<h1>${escapeHtml(checkout.description)}</h1>
<p class="amount" data-testid="checkout-amount">${amount}</p>
${button('paid', 'Pay', 'primary')}${button('failed', 'Fail', 'secondary')}`,
    );
  });

  r.post('/pay/test-provider/:id/complete', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const checkout = provider.readCheckout(String(req.params.id), typeof body.checkout === 'string' ? body.checkout : '');
    if (!checkout) return page(res, 404, '<h1>Unknown checkout</h1>');
    const paid = body.outcome === 'paid';
    const now = new Date();
    const { body: payload, signature } = provider.signEvent(
      {
        id: `evt_test_${randomBytes(8).toString('hex')}`,
        type: paid ? 'checkout.session.completed' : 'checkout.session.failed',
        created: Math.floor(now.getTime() / 1000),
        data: { payment_id: checkout.id, invoice_id: checkout.invoiceId, ...(checkout.invoiceIds ? { invoice_ids: checkout.invoiceIds } : {}), amount_cents: checkout.amountCents, currency: checkout.currency },
      },
      now,
    );
    let status = 0;
    try {
      const delivered = await fetch(provider.webhookUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'recoup-test-signature': signature },
        body: payload,
        signal: AbortSignal.timeout(30_000),
      });
      status = delivered.status;
    } catch (err) {
      req.log.error({ err }, 'test provider: webhook delivery failed');
    }
    if (status < 200 || status >= 300) return page(res, 502, `<h1>The webhook was not accepted</h1><p>${escapeHtml(provider.webhookUrl())} answered ${status || 'nothing'}.</p>`);
    res.redirect(303, `${checkout.returnUrl}${checkout.returnUrl.includes('?') ? '&' : '?'}payment=${paid ? 'success' : 'failed'}`);
  });

  return r;
}

function page(res: Response, status: number, body: string): void {
  portalPageHeaders(res);
  res
    .status(status)
    .type('html')
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><title>Test checkout</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:26rem;margin:0 auto;padding:1.5rem 1rem;color:#1b1f24}.tag{display:inline-block;background:#fff4ce;border:1px solid #e6cf6b;border-radius:4px;padding:.2rem .5rem;font-size:.85rem}h1{font-size:1.25rem}.amount{font-size:2rem;font-weight:700;margin:.5rem 0 1.5rem}button{width:100%;padding:.9rem;margin:.3rem 0;font-size:1.05rem;border-radius:8px;border:1px solid #635bff;cursor:pointer}.primary{background:#635bff;color:#fff}.secondary{background:#fff;color:#635bff}</style>
</head><body>${body}</body></html>`);
}

import { Router } from 'express';
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { companies, invoiceLines, invoices } from '../../db/schema';
import { amountDue } from '../../domain/amounts';
import { verifyPortalToken } from '../../messaging/portal-link';
import { escapeHtml, formatMoney, type Locale } from '../../messaging/templates';

const labels: Record<Locale, { title: string; due: string; status: string; invalid: string }> = {
  en: { title: 'Your invoice', due: 'Amount due', status: 'Status', invalid: 'This link is invalid or has expired.' },
  nl: { title: 'Uw factuur', due: 'Te betalen', status: 'Status', invalid: 'Deze link is ongeldig of verlopen.' },
  de: { title: 'Ihre Rechnung', due: 'Offener Betrag', status: 'Status', invalid: 'Dieser Link ist ungültig oder abgelaufen.' },
  fr: { title: 'Votre facture', due: 'Montant dû', status: 'Statut', invalid: 'Ce lien est invalide ou a expiré.' },
};

/** The debtor's portal: server-rendered, mobile-first, reached by a signed link from every message. */
export function portalRoutes(db: Db, portalSecret: string): Router {
  const r = Router();
  r.get('/pay/:token', async (req, res) => {
    const verified = verifyPortalToken(portalSecret, String(req.params.token), new Date());
    const [row] = verified
      ? await db.select({ invoice: invoices, companyName: companies.name }).from(invoices).innerJoin(companies, eq(companies.id, invoices.companyId)).where(eq(invoices.id, verified.invoiceId))
      : [];
    if (!row) {
      res.status(404).type('html').send(page('en', 'Recoup', `<p>${labels.en.invalid}</p>`));
      return;
    }
    const { invoice } = row;
    const locale = (invoice.debtor.locale ?? 'en') as Locale;
    const t = labels[locale];
    const lines = await db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoice.id)).orderBy(asc(invoiceLines.id));
    const money = (c: number) => escapeHtml(formatMoney(c, invoice.currency, locale));
    const body = `<h1>${escapeHtml(t.title)} ${escapeHtml(invoice.invoiceNumber)}</h1>
<p>${escapeHtml(row.companyName)}</p>
<table>${lines.map((l) => `<tr><td>${escapeHtml(l.description)}</td><td class="num">${money(Math.round(l.amountCents * Number(l.quantity)))}</td></tr>`).join('')}</table>
<p class="due">${escapeHtml(t.due)}: <strong data-testid="amount-due">${money(amountDue(invoice))}</strong></p>
<p>${escapeHtml(t.status)}: <span data-testid="status">${escapeHtml(invoice.status)}</span></p>`;
    res.type('html').send(page(locale, `${t.title} ${invoice.invoiceNumber}`, body));
  });
  return r;
}

function page(locale: string, title: string, body: string): string {
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:0 auto;padding:1rem}table{width:100%;border-collapse:collapse}td{padding:.4rem 0;border-bottom:1px solid #eee}.num{text-align:right}.due{font-size:1.3rem}</style>
</head><body>${body}</body></html>`;
}

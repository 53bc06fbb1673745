import { escapeHtml as e, type Locale } from '../../messaging/templates';
import type { AgingBucket, CompanyOverview } from '../../services/company-overview';
import { barChart, collectionChart, dataTable } from './charts';
import { intlLocaleOf, moneyText, numberText } from './format';
import { overviewTexts } from './overview-texts';
import { fill } from './texts';

/**
 * The dashboard's overview as the body of its page: the headline amounts, then each chart
 * followed by a table of the same numbers, in the reader's language.
 */
export function overviewHtml(o: CompanyOverview, locale: Locale, heading: string): string {
  const t = overviewTexts(locale);
  const money = (cents: number): string => moneyText(cents, o.currency, locale);
  const count = (v: number): string => numberText(v, locale);
  const percent = (r: number | null): string => (r === null ? t.noRate : numberText(r, locale, { style: 'percent', maximumFractionDigits: 1 }));
  // The first day of a month at noon UTC is in that month in every timezone.
  const monthName = (m: string, month: 'short' | 'long'): string =>
    new Intl.DateTimeFormat(intlLocaleOf(locale), month === 'long' ? { month, year: 'numeric', timeZone: 'UTC' } : { month, timeZone: 'UTC' }).format(new Date(`${m}-01T12:00:00Z`));
  const bucketName: Record<AgingBucket, string> = { not_due: t.notDue, days_0_30: t.days0to30, days_31_60: t.days31to60, days_61_90: t.days61to90, days_90_plus: t.days90plus };
  const stageNames: Record<Exclude<CompanyOverview['stages'][number]['stage'], 'dunning_level'>, string> = {
    open: t.stageOpen,
    reminder: t.stageReminder,
    promise_to_pay: t.stagePromiseToPay,
    payment_plan: t.stagePaymentPlan,
    on_hold: t.stageOnHold,
    disputed: t.stageDisputed,
    in_debt_collection: t.stageInDebtCollection,
  };
  const stageName = (s: CompanyOverview['stages'][number]): string => (s.stage === 'dunning_level' ? fill(t.stageDunningLevel, { level: count(s.level) }) : stageNames[s.stage]);

  const thisMonth = o.months.at(-1)!;
  const before = o.months.slice(0, -1);
  const headline =
    `<dl class="overview-numbers">` +
    `<div><dt>${e(t.outstanding)}</dt><dd><strong>${e(money(o.outstanding.amountCents))}</strong> <span>${e(fill(t.openInvoices, { n: count(o.outstanding.count) }))}</span></dd></div>` +
    `<div><dt>${e(t.collectedThisMonth)}</dt><dd><strong>${e(money(thisMonth.collectedCents))}</strong> <span>${e(monthName(thisMonth.month, 'long'))}</span></dd></div>` +
    `<div><dt>${e(t.collectedBefore)}</dt><dd><strong>${e(money(before.reduce((s, m) => s + m.collectedCents, 0)))}</strong> <span>${e(fill(t.fullMonths, { from: monthName(before[0]!.month, 'long'), to: monthName(before.at(-1)!.month, 'long') }))}</span></dd></div>` +
    `</dl>` +
    (o.otherCurrencyOpenCount > 0 ? `<p class="note">${e(fill(t.otherCurrencies, { n: count(o.otherCurrencyOpenCount) }))}</p>` : '');

  const collection = section(
    'overview-collection',
    t.collectionTitle,
    collectionChart({
      id: 'chart-collection',
      title: t.collectionTitle,
      description: t.collectionDescription,
      collectedLegend: t.collectedLegend,
      rateLegend: t.rateLegend,
      maxCollectedText: money(Math.max(0, ...o.months.map((m) => m.collectedCents))),
      // The axis names the month; the year only where it starts (and at the first bar).
      months: o.months.map((m, i) => ({ label: monthName(m.month, 'short'), subLabel: i === 0 || m.month.endsWith('-01') ? m.month.slice(0, 4) : undefined, collected: m.collectedCents, collectedText: money(m.collectedCents), rate: m.collectionRate, rateText: percent(m.collectionRate) })),
    }),
    dataTable({
      caption: t.collectionTitle,
      columns: [t.month, t.collected, t.transmitted, t.rate],
      rows: o.months.map((m) => ({ header: monthName(m.month, 'long'), cells: [money(m.collectedCents), money(m.transmittedCents), percent(m.collectionRate)] })),
    }),
  );

  const aging = section(
    'overview-aging',
    t.agingTitle,
    barChart({
      orientation: 'upright',
      id: 'chart-aging',
      title: t.agingTitle,
      description: t.agingDescription,
      bars: o.aging.map((a) => ({ label: bucketName[a.bucket], value: a.amountCents, valueText: money(a.amountCents) })),
    }),
    dataTable({
      caption: t.agingTitle,
      columns: [t.daysOverdue, t.invoices, t.amountDue],
      rows: o.aging.map((a) => ({ header: bucketName[a.bucket], cells: [count(a.count), money(a.amountCents)] })),
    }),
  );

  const stages = section(
    'overview-stages',
    t.stagesTitle,
    barChart({
      orientation: 'lying',
      id: 'chart-stages',
      title: t.stagesTitle,
      description: t.stagesDescription,
      bars: o.stages.map((s) => ({ label: stageName(s), value: s.count, valueText: fill(t.invoiceCount, { n: count(s.count) }) })),
    }),
    dataTable({
      caption: t.stagesTitle,
      columns: [t.stage, t.invoices, t.amountDue],
      rows: o.stages.map((s) => ({ header: stageName(s), cells: [count(s.count), money(s.amountCents)] })),
    }),
  );

  return `<h1>${e(heading)}</h1>${headline}${collection}${aging}${stages}`;
}

function section(id: string, heading: string, chart: string, table: string): string {
  // The table may scroll sideways on a phone: a named, focusable region, so keyboards reach it too.
  return (
    `<section class="overview-chart" id="${id}" aria-labelledby="${id}-heading"><h2 id="${id}-heading">${e(heading)}</h2><figure>${chart}</figure>` +
    `<div class="table-scroll" role="region" aria-labelledby="${id}-heading" tabindex="0">${table}</div></section>`
  );
}

/** The overview's additions to the dashboard's stylesheet: tables scroll sideways on a phone, charts do not. */
export const overviewCss = `
.overview-numbers{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,14rem),1fr));gap:1rem;margin:1rem 0}
.overview-numbers div{border:1px solid #767676;border-radius:6px;padding:.75rem 1rem;background:#fff}
.overview-numbers dt{font-weight:600}
.overview-numbers dd{margin:.25rem 0 0}
.overview-numbers strong{display:block;font-size:1.4rem}
.overview-chart figure{margin:0}
.table-scroll{overflow-x:auto;max-width:100%}
.chart-table{border-collapse:collapse;margin:.5rem 0 1.5rem}
.chart-table caption{text-align:left;font-weight:600;padding-bottom:.25rem}
.chart-table th,.chart-table td{border-bottom:1px solid #767676;padding:.25rem .75rem;text-align:right;white-space:nowrap}
.chart-table th[scope=row],.chart-table th[scope=col]:first-child{text-align:left}
`;

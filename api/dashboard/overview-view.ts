import { escapeHtml as e, formatMoney, type Locale } from '../../messaging/templates';
import type { CompanyOverview } from '../../services/company-overview';
import { collectionChart, columnChart, dataTable, rowChart } from './charts';
import { overviewTexts } from './overview-texts';

/**
 * The dashboard's overview as an HTML fragment for the page layout: the headline amounts, then
 * each chart followed by a table of the same numbers, in the reader's language.
 */
export function overviewHtml(o: CompanyOverview, locale: Locale): string {
  const t = overviewTexts[locale];
  const money = (cents: number): string => formatMoney(cents, o.currency, locale);
  const count = (v: number): string => new Intl.NumberFormat(locale).format(v);
  const percent = (r: number | null): string => (r === null ? t.noRate : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(r));
  // The first day of a month at noon UTC is in that month in every timezone.
  const monthName = (m: string, month: 'short' | 'long'): string => new Intl.DateTimeFormat(locale, { month, year: month === 'long' ? 'numeric' : '2-digit', timeZone: 'UTC' }).format(new Date(`${m}-01T12:00:00Z`));

  const thisMonth = o.months.at(-1)!;
  const before = o.months.slice(0, -1);
  const headline =
    `<dl class="overview-numbers">` +
    `<div><dt>${e(t.outstanding)}</dt><dd><strong>${e(money(o.outstanding.amountCents))}</strong> <span>${e(t.openInvoices(count(o.outstanding.count)))}</span></dd></div>` +
    `<div><dt>${e(t.collectedThisMonth)}</dt><dd><strong>${e(money(thisMonth.collectedCents))}</strong> <span>${e(monthName(thisMonth.month, 'long'))}</span></dd></div>` +
    `<div><dt>${e(t.collectedLastYear)}</dt><dd><strong>${e(money(before.reduce((s, m) => s + m.collectedCents, 0)))}</strong> <span>${e(`${monthName(before[0]!.month, 'long')} – ${monthName(before.at(-1)!.month, 'long')}, ${t.lastYearNote}`)}</span></dd></div>` +
    `</dl>` +
    (o.otherCurrencyOpenCount > 0 ? `<p class="note">${e(t.otherCurrencies(count(o.otherCurrencyOpenCount)))}</p>` : '');

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
      months: o.months.map((m) => ({ label: monthName(m.month, 'short'), collected: m.collectedCents, collectedText: money(m.collectedCents), rate: m.collectionRate, rateText: percent(m.collectionRate) })),
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
    columnChart({
      id: 'chart-aging',
      title: t.agingTitle,
      description: t.agingDescription,
      bars: o.aging.map((a) => ({ label: t.buckets[a.bucket], value: a.amountCents, valueText: money(a.amountCents) })),
    }),
    dataTable({
      caption: t.agingTitle,
      columns: [t.daysOverdue, t.invoices, t.amount],
      rows: o.aging.map((a) => ({ header: t.buckets[a.bucket], cells: [count(a.count), money(a.amountCents)] })),
    }),
  );

  const stageName = (s: CompanyOverview['stages'][number]): string => (s.stage === 'dunning_level' ? t.dunningLevel(s.level) : t.stages[s.stage]);
  const stages = section(
    'overview-stages',
    t.stagesTitle,
    rowChart({
      id: 'chart-stages',
      title: t.stagesTitle,
      description: t.stagesDescription,
      bars: o.stages.map((s) => ({ label: stageName(s), value: s.count, valueText: t.invoiceCount(count(s.count)) })),
    }),
    dataTable({
      caption: t.stagesTitle,
      columns: [t.stage, t.invoices, t.amount],
      rows: o.stages.map((s) => ({ header: stageName(s), cells: [count(s.count), money(s.amountCents)] })),
    }),
  );

  return `<h1>${e(t.heading)}</h1>${headline}${collection}${aging}${stages}`;
}

function section(id: string, heading: string, chart: string, table: string): string {
  // The table may scroll sideways on a phone: a named, focusable region, so keyboards reach it too.
  return (
    `<section class="overview-chart" id="${id}" aria-labelledby="${id}-heading"><h2 id="${id}-heading">${e(heading)}</h2><figure>${chart}</figure>` +
    `<div class="table-scroll" role="region" aria-labelledby="${id}-heading" tabindex="0">${table}</div></section>`
  );
}

/** The overview's own styles: charts take their column's width; tables scroll sideways on a phone. */
export const overviewStyles = `
.overview-numbers { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 1rem; margin: 1rem 0; }
.overview-numbers div { border: 1px solid #767676; border-radius: 4px; padding: .75rem 1rem; }
.overview-numbers dt { font-weight: 600; }
.overview-numbers dd { margin: .25rem 0 0; }
.overview-numbers strong { font-size: 1.4rem; display: block; }
.overview-chart figure { margin: 0; max-width: 48rem; }
.overview-chart svg { display: block; width: 100%; height: auto; }
.table-scroll { overflow-x: auto; }
.chart-table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
.chart-table caption { text-align: left; font-weight: 600; padding-bottom: .25rem; }
.chart-table th, .chart-table td { border-bottom: 1px solid #767676; padding: .25rem .75rem; text-align: right; }
.chart-table th[scope="row"], .chart-table th[scope="col"]:first-child { text-align: left; }
`;

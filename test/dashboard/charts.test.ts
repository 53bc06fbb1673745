import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { barChart, collectionChart, dataTable } from '../../api/dashboard/charts';
import { overviewHtml } from '../../api/dashboard/overview-view';
import type { CompanyOverview } from '../../services/company-overview';

/** The dashboard's SVG charts, read back as XML: well formed, bars to scale, every label there. */
type Node = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', textNodeName: '#text', isArray: (name) => ['g', 'rect', 'text', 'polyline', 'tr', 'th', 'td'].includes(name) });

function parseSvg(svg: string): Node {
  expect(XMLValidator.validate(svg)).toBe(true);
  return (parser.parse(svg) as { svg: Node }).svg;
}

const bars = (svg: Node): Node[] => (svg.g as Node[]).filter((g) => g.class === 'bar-group');
const barRect = (g: Node): Node => (g.rect as Node[]).find((r) => r.class === 'bar')!;
const texts = (svg: Node): string[] => bars(svg).flatMap((g) => ((g.text as Node[] | undefined) ?? []).map((t) => String(t['#text'])));

const aging = [
  { label: '0–30 days', value: 40_000, valueText: '€ 400,00' },
  { label: '31–60 days', value: 10_000, valueText: '€ 100,00' },
  { label: '61–90 days', value: 0, valueText: '€ 0,00' },
  { label: 'over 90 days', value: 20_000, valueText: '€ 200,00' },
];

describe.each([
  ['upright', 'height'],
  ['lying', 'width'],
] as const)('the %s bar chart', (orientation, length) => {
  const svg = barChart({ orientation, id: 'chart-test', title: 'Open invoices by days overdue', description: 'Amount due by age', bars: aging });

  test('is an image named by its title and description, scaled by its viewBox to the width it is given', () => {
    const root = parseSvg(svg);
    expect(root.role).toBe('img');
    expect(root['aria-labelledby']).toBe('chart-test-title chart-test-desc');
    expect(root.title).toMatchObject({ id: 'chart-test-title', '#text': 'Open invoices by days overdue' });
    expect(root.desc).toMatchObject({ id: 'chart-test-desc', '#text': 'Amount due by age' });
    expect(root.viewBox).toMatch(/^0 0 \d+ \d+$/);
    expect(root.width).toBe('100%');
  });

  test(`bars are as long as their values say (${length} proportional, the largest full, zero empty), each with its label and value as text`, () => {
    const root = parseSvg(svg);
    const sizes = bars(root).map((g) => Number(barRect(g)[length]));
    expect(sizes).toHaveLength(4);
    expect(sizes[0]).toBeGreaterThan(100);
    expect(sizes[1]! / sizes[0]!).toBeCloseTo(0.25, 2);
    expect(sizes[2]).toBe(0);
    expect(sizes[3]! / sizes[0]!).toBeCloseTo(0.5, 2);
    expect(texts(root)).toEqual(expect.arrayContaining(aging.flatMap((b) => [b.label, b.valueText])));
  });
});

test('all zero draws empty bars, not a division by zero', () => {
  const root = parseSvg(barChart({ orientation: 'upright', id: 'z', title: 'Nothing', description: 'No invoices', bars: aging.map((b) => ({ ...b, value: 0 })) }));
  expect(bars(root).map((g) => barRect(g).height)).toEqual(['0', '0', '0', '0']);
});

test('collected per month: bars to scale, the rate a line of marked points that breaks where nothing was transmitted', () => {
  const months = [
    { label: 'Jan 26', collected: 30_000, collectedText: '€ 300', rate: 0.5, rateText: '50%' },
    { label: 'Feb 26', collected: 60_000, collectedText: '€ 600', rate: 1, rateText: '100%' },
    { label: 'Mar 26', collected: 15_000, collectedText: '€ 150', rate: null, rateText: 'none transmitted' },
    { label: 'Apr 26', collected: 0, collectedText: '€ 0', rate: 0, rateText: '0%' },
    { label: 'May 26', collected: 6_000, collectedText: '€ 60', rate: 0.25, rateText: '25%' },
  ];
  const root = parseSvg(collectionChart({ id: 'c', title: 'Collected', description: 'Per month', collectedLegend: 'Collected', rateLegend: 'Collection rate', maxCollectedText: '€ 600', months }));
  const heights = bars(root).map((g) => Number(barRect(g).height));
  expect(heights.map((h) => h / heights[1]!)).toEqual([0.5, 1, 0.25, 0, 0.1].map((r) => expect.closeTo(r, 2)));
  expect(texts(root)).toEqual(months.map((m) => m.label));
  // Each bar names its month, amount and rate for a pointer's tooltip.
  expect(bars(root).map((g) => (barRect(g).title as Node | string).toString())).toEqual(months.map((m) => `${m.label}: ${m.collectedText}, ${m.rateText}`));
  // Jan–Feb, then Apr–May: March had no transmissions, so no point and no line through it.
  expect((root.polyline as Node[]).map((p) => String(p.points).split(' ').length)).toEqual([2, 2]);
  const points = (root.rect as Node[]).filter((r) => r.class === 'rate-point');
  expect(points).toHaveLength(4);
  const legend = root.g as Node[];
  expect(JSON.stringify(legend.find((g) => g.class === 'legend'))).toContain('Collection rate');
});

test('names with markup are escaped: a label with "<" stays text in the SVG and in the table', () => {
  const evil = 'Club <script>alert(1)</script> & "Sons"';
  const svg = barChart({ orientation: 'lying', id: 'x"y', title: evil, description: `Debtor ${evil}`, bars: [{ label: evil, value: 1, valueText: '<1>' }] });
  const root = parseSvg(svg);
  expect(svg).not.toContain('<script>');
  // Read back as XML, the text is exactly the name: escaped once, neither lost nor doubled.
  expect(root.title).toMatchObject({ '#text': evil });
  expect(texts(root)).toEqual([evil, '<1>']);
  expect(svg).toContain('Club &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Sons&quot;');

  const table = dataTable({ caption: evil, columns: ['Stage', 'Invoices'], rows: [{ header: evil, cells: ['<b>1</b>'] }] });
  expect(XMLValidator.validate(table)).toBe(true);
  expect(table).not.toContain('<script>');
  expect(table).not.toContain('<b>');
});

test('each chart is paired with a table of the same numbers, with a caption and header scopes, in each language', () => {
  const overview: CompanyOverview = {
    currency: 'EUR',
    today: '2026-03-15',
    outstanding: { count: 3, amountCents: 1_234_567 },
    otherCurrencyOpenCount: 0,
    months: Array.from({ length: 13 }, (_, i) => ({ month: `${i < 10 ? 2025 : 2026}-${String(((i + 2) % 12) + 1).padStart(2, '0')}`, collectedCents: i * 1000, transmittedCents: 2000, transmittedCount: 1, collectionRate: i / 2 })),
    aging: [
      { bucket: 'not_due', count: 1, amountCents: 100 },
      { bucket: 'days_0_30', count: 1, amountCents: 1_234_400 },
      { bucket: 'days_31_60', count: 0, amountCents: 0 },
      { bucket: 'days_61_90', count: 0, amountCents: 0 },
      { bucket: 'days_90_plus', count: 1, amountCents: 67 },
    ],
    stages: [
      { stage: 'open', count: 1, amountCents: 100 },
      { stage: 'dunning_level', level: 2, count: 2, amountCents: 1_234_467 },
    ],
  };
  const formats = { nl: '€ 12.345,67', en: '€12,345.67', de: '12.345,67 €', fr: '12 345,67 €' } as const;
  for (const [locale, amount] of Object.entries(formats) as Array<[keyof typeof formats, string]>) {
    const html = overviewHtml(overview, locale, 'Overview');
    expect(XMLValidator.validate(`<div>${html}</div>`)).toBe(true);
    // Intl separates with (narrow) no-break spaces; the reader sees plain spaces.
    expect(html.replace(/[\u00a0\u202f]/g, ' ')).toContain(amount);
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g)!;
    const tables = html.match(/<table[\s\S]*?<\/table>/g)!;
    expect(svgs).toHaveLength(3);
    expect(tables).toHaveLength(3);
    for (const table of tables) {
      expect(table).toMatch(/^<table class="chart-table"><caption>[^<]+<\/caption><thead><tr>(<th scope="col">[^<]+<\/th>)+<\/tr><\/thead>/);
      expect(table).toContain('<th scope="row">');
    }
    // The months table has all 13 months; the stages table names the level in the language.
    expect(tables[0]!.match(/<tr>/g)).toHaveLength(14);
    expect(tables[2]).toContain({ nl: 'Aanmaning niveau 2', en: 'Dunning level 2', de: 'Mahnstufe 2', fr: 'Relance niveau 2' }[locale]);
  }
});

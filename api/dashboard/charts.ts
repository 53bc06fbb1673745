import { escapeHtml as e } from '../../messaging/templates';

/**
 * Server-rendered SVG charts for the dashboard: pure functions from numbers (with their texts
 * already formatted for the reader's language) to SVG markup. They need no script to be read:
 * each chart is one `role="img"` named by its `<title>` and `<desc>`, every bar carries its
 * value as text (no meaning by colour alone), and the page pairs each chart with a table of the
 * same numbers (`dataTable`). The size comes from the viewBox, so a chart scales to its column.
 */

/** Colours with at least 4.5:1 against white (text) and 3:1 between bar and background. */
const INK = '#1a1a1a';
const BAR = '#1f4e79';
const LINE = '#9a3b00';
const GRID = '#767676';
const FONT = 'font-family="system-ui, sans-serif"';

export interface ChartBar {
  label: string;
  value: number;
  /** The value as the reader should see it (a formatted amount or count). */
  valueText: string;
}

export interface ChartText {
  /** Unique on the page: the title and description are referenced by id. */
  id: string;
  title: string;
  description: string;
}

/** A number short enough for an SVG coordinate, so the same numbers always give the same markup. */
const n = (v: number): string => String(Math.round(v * 100) / 100);

function svgOpen(c: ChartText, width: number, height: number, className: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart ${className}" role="img" aria-labelledby="${e(c.id)}-title ${e(c.id)}-desc" ` +
    `viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMidYMid meet" ${FONT}>` +
    `<title id="${e(c.id)}-title">${e(c.title)}</title><desc id="${e(c.id)}-desc">${e(c.description)}</desc>`
  );
}

/**
 * A bar per label, to scale (the largest full, zero or less empty), with its value and label as text.
 * `upright` (aging buckets): the value above each bar, the label below it. `lying` (policy stages,
 * whose names are long): one row per label with label, bar and value.
 */
export function barChart(c: ChartText & { bars: ChartBar[]; orientation: 'upright' | 'lying' }): string {
  const width = 640;
  const max = Math.max(0, ...c.bars.map((b) => b.value));
  const share = (value: number): number => (max > 0 ? Math.max(0, value) / max : 0);
  const text = (className: string, x: number, y: number, content: string, anchor?: 'middle' | 'end'): string =>
    `<text class="${className}" x="${n(x)}" y="${n(y)}"${anchor ? ` text-anchor="${anchor}"` : ''} font-size="16" fill="${INK}">${content}</text>`;
  const rect = (b: ChartBar, x: number, y: number, w: number, h: number): string =>
    `<rect class="bar" x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="${BAR}" data-value="${b.value}"/>`;
  const axis = (x1: number, y1: number, x2: number, y2: number): string => `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${GRID}" stroke-width="1"/>`;
  const chart = (height: number, className: string, line: string, groups: string[]): string =>
    `${svgOpen(c, width, height, className)}${line}${groups.map((g) => `<g class="bar-group">${g}</g>`).join('')}</svg>`;

  if (c.orientation === 'upright') {
    const height = 300;
    const top = 28;
    const bottom = 52;
    const side = 16;
    const plotHeight = height - top - bottom;
    const slot = (width - 2 * side) / Math.max(1, c.bars.length);
    const barWidth = Math.min(96, slot * 0.6);
    const baseline = top + plotHeight;
    return chart(
      height,
      'column-chart',
      axis(side, baseline, width - side, baseline),
      c.bars.map((b, i) => {
        const h = share(b.value) * plotHeight;
        const cx = side + slot * i + slot / 2;
        return rect(b, cx - barWidth / 2, baseline - h, barWidth, h) + text('value', cx, baseline - h - 8, e(b.valueText), 'middle') + text('label', cx, baseline + 24, labelLines(b.label, slot, 16, cx), 'middle');
      }),
    );
  }
  const row = 34;
  const top = 8;
  const labelWidth = 230;
  const valueWidth = 150;
  const height = top * 2 + row * Math.max(1, c.bars.length);
  const plotWidth = width - labelWidth - valueWidth;
  return chart(
    height,
    'row-chart',
    axis(labelWidth, top, labelWidth, height - top),
    c.bars.map((b, i) => {
      const w = share(b.value) * plotWidth;
      const y = top + row * i;
      return text('label', labelWidth - 10, y + row / 2 + 5, e(b.label), 'end') + rect(b, labelWidth, y + 6, w, row - 12) + text('value', labelWidth + w + 8, y + row / 2 + 5, e(b.valueText));
    }),
  );
}

/**
 * A label that would run into its neighbours (about half an em per character) is broken at the
 * space nearest its middle into two lines, so it stays readable when the chart shrinks to a phone.
 */
function labelLines(label: string, room: number, fontSize: number, x: number): string {
  if (label.length * fontSize * 0.55 <= room * 0.95 || !label.includes(' ')) return e(label);
  const middle = label.length / 2;
  const spaces = [...label.matchAll(/ /g)].map((m) => m.index);
  const cut = spaces.reduce((best, i) => (Math.abs(i - middle) < Math.abs(best - middle) ? i : best));
  return `<tspan x="${n(x)}">${e(label.slice(0, cut))}</tspan><tspan x="${n(x)}" dy="${fontSize + 2}">${e(label.slice(cut + 1))}</tspan>`;
}

export interface CollectionMonth {
  /** Short month name for the axis. */
  label: string;
  /** A second line under the label (the year, where a year starts). */
  subLabel?: string;
  collected: number;
  collectedText: string;
  /** collected / transmitted; null when nothing was transmitted that month (no point drawn). */
  rate: number | null;
  rateText: string;
}

/**
 * Collected per month as bars against the left scale, the collection rate as a line with a
 * square marker per month against the right scale (percent); the legend names both by shape.
 */
export function collectionChart(c: ChartText & { months: CollectionMonth[]; collectedLegend: string; rateLegend: string; maxCollectedText: string }): string {
  const width = 720;
  const height = 340;
  const left = 16;
  const right = 56;
  const top = 56;
  const bottom = 56;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const baseline = top + plotHeight;
  const slot = plotWidth / Math.max(1, c.months.length);
  const barWidth = slot * 0.6;
  const max = Math.max(0, ...c.months.map((m) => m.collected));
  // The rate's scale is 0–100 % unless a month collected more than was transmitted in it.
  const rateMax = Math.max(1, ...c.months.map((m) => m.rate ?? 0));
  const rateY = (r: number): number => baseline - (r / rateMax) * plotHeight;
  const bars = c.months.map((m, i) => {
    const h = max > 0 ? (Math.max(0, m.collected) / max) * plotHeight : 0;
    const cx = left + slot * i + slot / 2;
    return (
      `<g class="bar-group"><rect class="bar" x="${n(cx - barWidth / 2)}" y="${n(baseline - h)}" width="${n(barWidth)}" height="${n(h)}" fill="${BAR}" data-value="${m.collected}">` +
      `<title>${e(`${m.label}${m.subLabel ? ` ${m.subLabel}` : ''}: ${m.collectedText}, ${m.rateText}`)}</title></rect>` +
      `<text class="label" x="${n(cx)}" y="${n(baseline + 22)}" text-anchor="middle" font-size="16" fill="${INK}">${e(m.label)}` +
      (m.subLabel ? `<tspan x="${n(cx)}" dy="18">${e(m.subLabel)}</tspan>` : '') +
      `</text></g>`
    );
  });
  const points = c.months.flatMap((m, i) => (m.rate === null ? [] : [{ x: left + slot * i + slot / 2, y: rateY(m.rate), m }]));
  // A month without transmissions breaks the line rather than pretending a rate of zero.
  const segments: string[] = [];
  let run: string[] = [];
  c.months.forEach((m, i) => {
    if (m.rate === null) {
      if (run.length > 1) segments.push(run.join(' '));
      run = [];
      return;
    }
    run.push(`${n(left + slot * i + slot / 2)},${n(rateY(m.rate))}`);
  });
  if (run.length > 1) segments.push(run.join(' '));
  const line = segments.map((s) => `<polyline class="rate-line" points="${s}" fill="none" stroke="${LINE}" stroke-width="2.5"/>`).join('');
  const markers = points.map((p) => `<rect class="rate-point" x="${n(p.x - 4)}" y="${n(p.y - 4)}" width="8" height="8" fill="${LINE}"><title>${e(`${p.m.label}: ${p.m.rateText}`)}</title></rect>`).join('');
  const legend =
    `<g class="legend"><rect x="${left}" y="10" width="14" height="14" fill="${BAR}"/><text x="${left + 20}" y="22" font-size="14" fill="${INK}">${e(c.collectedLegend)}</text>` +
    `<line x1="${left + 300}" y1="17" x2="${left + 330}" y2="17" stroke="${LINE}" stroke-width="2.5"/><rect x="${left + 311}" y="13" width="8" height="8" fill="${LINE}"/>` +
    `<text x="${left + 336}" y="22" font-size="14" fill="${INK}">${e(c.rateLegend)}</text></g>`;
  const axes =
    `<line x1="${left}" y1="${baseline}" x2="${left + plotWidth}" y2="${baseline}" stroke="${GRID}" stroke-width="1"/>` +
    `<text class="scale" x="${left}" y="${top - 8}" font-size="12" fill="${INK}">${e(c.maxCollectedText)}</text>` +
    `<line x1="${left}" y1="${top}" x2="${left + plotWidth}" y2="${top}" stroke="${GRID}" stroke-width="1" stroke-dasharray="4 4"/>` +
    `<text class="scale" x="${width - right + 6}" y="${top + 4}" font-size="12" fill="${LINE}">${n(rateMax * 100)} %</text>` +
    `<text class="scale" x="${width - right + 6}" y="${baseline + 4}" font-size="12" fill="${LINE}">0 %</text>`;
  return `${svgOpen(c, width, height, 'collection-chart')}${legend}${axes}${bars.join('')}${line}${markers}</svg>`;
}

/**
 * The numbers of a chart as a table: a caption, a header row of column headers and a row header
 * per line, every cell escaped.
 */
export function dataTable(t: { caption: string; columns: string[]; rows: Array<{ header: string; cells: string[] }>; className?: string }): string {
  const head = t.columns.map((c) => `<th scope="col">${e(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr><th scope="row">${e(r.header)}</th>${r.cells.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`).join('');
  return `<table class="${e(t.className ?? 'chart-table')}"><caption>${e(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

import { html, type Html } from './html.js';

// An account's daily balances and limits as an inline SVG step chart, drawn on the server (the
// pages' CSP allows no inline script): one step line per series, a dot per recorded day, a few
// date and amount labels on the axes, and a legend.

export interface ChartSeries<K extends string = string> {
  key: K;
  label: string;
  color: string;
  /** Drawn wide and pale under the others, so a series equal to another still shows */
  under?: boolean;
  dashed?: boolean;
}

const WIDTH = 760;
const HEIGHT = 280;
const PAD = { left: 96, right: 48, top: 16, bottom: 56 };

/** A round amount (1, 2 or 5 times a power of ten) that cuts the span into about 5 steps. */
function niceStep(span: number): number {
  if (span <= 0) return 1;
  const rough = span / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  // Amounts are whole minor units: never a step below 1
  return Math.max(1, ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10) * power);
}

/** Up to `count` evenly spaced indexes from 0 to last, first and last included. */
function spread(last: number, count: number): number[] {
  if (last <= 0) return [0];
  const steps = Math.min(count - 1, last);
  return [...new Set(Array.from({ length: steps + 1 }, (_, i) => Math.round((i * last) / steps)))];
}

export function dailyChart<K extends string>(
  points: readonly ({ date: string } & Record<K, number>)[],
  series: readonly ChartSeries<K>[],
  /** `unit`: the amount axis's name; `amount`: how an amount (minor units) reads */
  options: { title: string; unit: string; amount: (minor: number) => string },
): Html {
  const values = points.flatMap((p) => series.map((s) => p[s.key]));
  const step = niceStep(Math.max(0, ...values) - Math.min(0, ...values));
  const low = Math.floor(Math.min(0, ...values) / step) * step;
  const high = Math.max(low + step, Math.ceil(Math.max(0, ...values) / step) * step);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const last = points.length - 1;
  const x = (i: number) => PAD.left + (last <= 0 ? plotWidth / 2 : (i * plotWidth) / last);
  const y = (v: number) => PAD.top + ((high - v) * plotHeight) / (high - low);
  const r = (n: number) => Math.round(n * 10) / 10;

  const amountTicks = Array.from(
    { length: Math.round((high - low) / step) + 1 },
    (_, i) => low + i * step,
  );
  const dateTicks = spread(last, 5);

  const path = (key: K) =>
    points
      .map((p, i) => {
        const v = r(y(p[key]));
        return i === 0 ? `M${r(x(0))},${v}` : `H${r(x(i))}V${v}`;
      })
      .join('');

  return html`<svg class="daily-chart" role="img" aria-label="${options.title}" viewBox="0 0 ${WIDTH} ${HEIGHT + 24}" width="${WIDTH}" height="${HEIGHT + 24}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">
  <title>${options.title}</title>
  <g class="axis amount-axis">${amountTicks.map(
    (v) =>
      html`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${r(y(v))}" y2="${r(y(v))}" stroke="#e2e8f0"/><text x="${PAD.left - 6}" y="${r(y(v)) + 4}" text-anchor="end" fill="#475569">${options.amount(Math.round(v))}</text>`,
  )}
  <text x="12" y="${PAD.top + plotHeight / 2}" transform="rotate(-90 12 ${PAD.top + plotHeight / 2})" text-anchor="middle" fill="#475569">${options.unit}</text></g>
  ${low < 0 && high > 0 ? html`<line class="zero" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${r(y(0))}" y2="${r(y(0))}" stroke="#94a3b8"/>` : ''}
  <g class="axis date-axis"><line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${PAD.top + plotHeight}" y2="${PAD.top + plotHeight}" stroke="#64748b"/>${dateTicks.map(
    (i) =>
      html`<line x1="${r(x(i))}" x2="${r(x(i))}" y1="${PAD.top + plotHeight}" y2="${PAD.top + plotHeight + 4}" stroke="#64748b"/><text class="date-label" x="${r(x(i))}" y="${PAD.top + plotHeight + 17}" text-anchor="middle" fill="#475569">${points[i]?.date ?? ''}</text>`,
  )}</g>
  ${[...series.filter((s) => s.under), ...series.filter((s) => !s.under)].map(
    (s) =>
      html`<g class="series" data-series="${s.key}"><path d="${path(s.key)}" fill="none" stroke="${s.color}" stroke-width="${s.under ? 6 : 2}"${s.under ? html` stroke-opacity="0.4"` : ''}${s.dashed ? html` stroke-dasharray="6 4"` : ''}/>${points.map(
        (p, i) =>
          html`<circle class="point" data-series="${s.key}" data-date="${p.date}" cx="${r(x(i))}" cy="${r(y(p[s.key]))}" r="2.5" fill="${s.color}"><title>${p.date} ${s.label}: ${options.amount(p[s.key])}</title></circle>`,
      )}</g>`,
  )}
  <g class="legend">${series.map(
    (s, i) =>
      html`<rect x="${PAD.left + i * 180}" y="${HEIGHT - 6}" width="16" height="${s.under ? 6 : 3}" fill="${s.color}"${s.under ? html` fill-opacity="0.4"` : ''}/><text x="${PAD.left + i * 180 + 20}" y="${HEIGHT}" fill="#0f172a">${s.label}</text>`,
  )}</g>
</svg>`;
}

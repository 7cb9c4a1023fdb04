/**
 * The bench chart as hand-written SVG: throughput and memory against drain size, both on a
 * log-scale x axis. No chart library: a few scales, polylines and labels.
 */
import type { Cell, Summary } from './summary';
import { VARIANT_LABELS, VARIANTS, type VariantName } from './types';

const WIDTH = 1000;
const HEIGHT = 470;
const PANEL = { width: 400, height: 300, top: 110 } as const;
const LEFT_PANEL_X = 80;
const RIGHT_PANEL_X = 570;
const COLORS: Record<VariantName, string> = {
  baselineA: '#d62728',
  baselineB: '#1f77b4',
  pagewalk: '#2ca02c',
  pagewalkAws: '#9467bd',
};

type Scale = (value: number) => number;

interface Axis {
  readonly scale: Scale;
  readonly ticks: readonly number[];
  readonly label: (value: number) => string;
}

const esc = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const sizeLabel = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : `${n}`);

/** Maps [lo, hi] onto [from, to] in log10 space. */
function logScale(lo: number, hi: number, from: number, to: number): Scale {
  const l0 = Math.log10(lo);
  const span = Math.log10(hi) - l0 || 1;
  return (value) => from + ((Math.log10(value) - l0) / span) * (to - from);
}

/**
 * Padded by a third of a decade each side so no point sits on the frame; ticked at the
 * powers of ten inside.
 */
function sizeAxis(sizes: readonly number[], x0: number): Axis {
  const lo = Math.min(...sizes) / 10 ** (1 / 3);
  const hi = Math.max(...sizes) * 10 ** (1 / 3);
  const ticks: number[] = [];
  for (let t = 10 ** Math.ceil(Math.log10(lo)); t <= hi; t *= 10) ticks.push(t);
  return { scale: logScale(lo, hi, x0, x0 + PANEL.width), ticks, label: sizeLabel };
}

/** A linear axis from 0 to a round number above the largest value. */
function linearAxis(max: number, unit: string): Axis {
  const step = 10 ** Math.floor(Math.log10(Math.max(max, 1)));
  const top = Math.ceil((max * 1.1) / step) * step;
  const bottom = PANEL.top + PANEL.height;
  const ticks: number[] = [];
  const tickStep = top / 5;
  for (let t = 0; t <= top + 1e-9; t += tickStep) ticks.push(t);
  return {
    scale: (v) => bottom - (v / top) * PANEL.height,
    ticks,
    label: (v) => `${Math.round(v).toLocaleString('en-US')}${unit}`,
  };
}

/** A log axis over whole decades, ticked at 1, 2 and 5 of each. */
function logAxis(min: number, max: number, unit: string): Axis {
  const lo = 10 ** Math.floor(Math.log10(min));
  const hi = 10 ** Math.ceil(Math.log10(max));
  const ticks: number[] = [];
  for (let decade = lo; decade < hi; decade *= 10) ticks.push(decade, decade * 2, decade * 5);
  ticks.push(hi);
  const bottom = PANEL.top + PANEL.height;
  return { scale: logScale(lo, hi, bottom, PANEL.top), ticks, label: (v) => `${v}${unit}` };
}

function frame(x0: number, title: string, xAxis: Axis, yAxis: Axis): string {
  const bottom = PANEL.top + PANEL.height;
  const parts = [
    `<text x="${x0 + PANEL.width / 2}" y="${PANEL.top - 14}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${x0}" y="${PANEL.top}" width="${PANEL.width}" height="${PANEL.height}" fill="none" stroke="#999"/>`,
  ];
  for (const t of yAxis.ticks) {
    const y = yAxis.scale(t).toFixed(1);
    parts.push(
      `<line x1="${x0}" x2="${x0 + PANEL.width}" y1="${y}" y2="${y}" stroke="#eee"/>`,
      `<text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(yAxis.label(t))}</text>`,
    );
  }
  for (const t of xAxis.ticks) {
    const x = xAxis.scale(t).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${PANEL.top}" y2="${bottom}" stroke="#eee"/>`,
      `<text x="${x}" y="${bottom + 18}" text-anchor="middle">${esc(xAxis.label(t))}</text>`,
    );
  }
  parts.push(
    `<text x="${x0 + PANEL.width / 2}" y="${bottom + 40}" text-anchor="middle">items drained (log scale)</text>`,
  );
  return parts.join('\n');
}

/** How a series is drawn: solid with dots, dashed with squares, or dotted with rings. */
type LineStyle = 'solid' | 'dashed' | 'dotted';

function marker(style: LineStyle, x: number, y: number, color: string): string {
  if (style === 'solid') return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${color}"/>`;
  if (style === 'dotted') {
    return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="white" stroke="${color}"/>`;
  }
  return `<rect x="${(x - 3).toFixed(1)}" y="${(y - 3).toFixed(1)}" width="6" height="6" fill="white" stroke="${color}"/>`;
}

function series(
  cells: readonly Cell[],
  xAxis: Axis,
  yAxis: Axis,
  value: (cell: Cell) => number,
  style: LineStyle,
): string {
  const parts: string[] = [];
  const dash = { solid: '', dashed: ' stroke-dasharray="6 4"', dotted: ' stroke-dasharray="2 3"' }[style];
  for (const variant of VARIANTS) {
    const points = cells
      .filter((c) => c.variant === variant && value(c) > 0)
      .sort((a, b) => a.size - b.size)
      .map((c) => [xAxis.scale(c.size), yAxis.scale(value(c))] as const);
    if (points.length === 0) continue;
    const color = COLORS[variant];
    const path = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    for (const [x, y] of points) parts.push(marker(style, x, y, color));
  }
  return parts.join('\n');
}

function legend(present: readonly VariantName[]): string {
  const parts = present.map((variant, i) => {
    const x = LEFT_PANEL_X + i * 280;
    return [
      `<line x1="${x}" x2="${x + 24}" y1="52" y2="52" stroke="${COLORS[variant]}" stroke-width="3"/>`,
      `<text x="${x + 30}" y="52" dominant-baseline="middle">${esc(VARIANT_LABELS[variant])}</text>`,
    ].join('\n');
  });
  parts.push(
    `<text x="${RIGHT_PANEL_X - 40}" y="74" fill="#555">● heap needed (held + live peak)  ○ live peak per page (pagewalk: per invocation)  □ peak RSS</text>`,
  );
  return parts.join('\n');
}

/** The SVG document for a summary: throughput (linear) and memory (log) against size. */
export function renderChart(summary: Summary): string {
  const cells = summary.cells;
  const { settings } = summary;
  const header = `<text x="${WIDTH / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">pagewalk vs in-Lambda loops: medians, Glue latency ${settings.latencyMs} ms/call, ${settings.pageSize} items/page</text>`;
  if (cells.length === 0) {
    return svg([header, `<text x="${WIDTH / 2}" y="200" text-anchor="middle">no results</text>`]);
  }
  const sizes = cells.map((c) => c.size);
  const mb = (bytes: number) => bytes / 2 ** 20;
  const memoryValues = cells
    .flatMap((c) => [mb(c.heapNeededBytes), mb(c.rssPeakBytes), mb(c.live?.peakLiveBytes ?? 0)])
    .filter((v) => v > 0);

  const leftX = sizeAxis(sizes, LEFT_PANEL_X);
  const throughput = linearAxis(Math.max(...cells.map((c) => c.itemsPerSecond)), '');
  const rightX = sizeAxis(sizes, RIGHT_PANEL_X);
  const memory = logAxis(Math.min(...memoryValues), Math.max(...memoryValues), ' MB');
  const present = VARIANTS.filter((v) => cells.some((c) => c.variant === v));

  return svg([
    header,
    legend(present),
    frame(LEFT_PANEL_X, 'Throughput (items/s, higher is better)', leftX, throughput),
    series(cells, leftX, throughput, (c) => c.itemsPerSecond, 'solid'),
    frame(RIGHT_PANEL_X, 'Peak memory (MB, log scale, lower is better)', rightX, memory),
    series(cells, rightX, memory, (c) => mb(c.heapNeededBytes), 'solid'),
    series(cells, rightX, memory, (c) => mb(c.rssPeakBytes), 'dashed'),
    series(cells, rightX, memory, (c) => mb(c.live?.peakLiveBytes ?? 0), 'dotted'),
  ]);
}

function svg(body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

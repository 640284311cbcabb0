import type { Curve } from './curve'
import { formatNumber } from './format'

/**
 * Draws every size curve of a run as one SVG file of panels, two abreast:
 * log-log axes (sizes span two decades), the action's medians as a solid
 * line, the baseline's as a dashed one, each point's min–max as a bar.
 * Written here rather than with a plotting library: the figure is a few
 * lines and labels, and a library would bring a browser or a native build.
 */

const PANEL_WIDTH = 470
const PANEL_HEIGHT = 300
const MARGIN = { left: 74, right: 16, top: 40, bottom: 52 }
const COLUMNS = 2
const SUBJECT_COLOUR = '#1f6feb'
const BASELINE_COLOUR = '#8b949e'

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Powers of ten (with 2 and 5 between when the range is narrow) inside [low, high]. */
export function logTicks(low: number, high: number): number[] {
  if (!(low > 0) || !(high >= low)) throw new Error(`no log ticks for [${low}, ${high}]`)
  const ticks: number[] = []
  const steps = Math.log10(high / low) < 2.5 ? [1, 2, 5] : [1]
  for (let power = Math.floor(Math.log10(low)); power <= Math.ceil(Math.log10(high)); power++) {
    for (const step of steps) {
      const tick = step * 10 ** power
      if (tick >= low * 0.999 && tick <= high * 1.001) ticks.push(tick)
    }
  }
  return ticks
}

function compactNumber(value: number): string {
  if (value >= 1000) return `${Number((value / 1000).toPrecision(3))}k`
  return String(Number(value.toPrecision(3)))
}

function panel(curve: Curve, x0: number, y0: number): string {
  const plotWidth = PANEL_WIDTH - MARGIN.left - MARGIN.right
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom
  const sizes = curve.points.map((point) => point.size)
  const values = curve.points.flatMap((point) => [
    point.value.min,
    point.value.max,
    ...(point.baseline ? [point.baseline.min, point.baseline.max] : []),
  ])
  const positive = values.filter((value) => value > 0)
  const parts: string[] = [
    `<g transform="translate(${x0},${y0})">`,
    // A smaller font for a long title, so it stays inside its panel (about 0.6 em a character in a sans-serif font).
    `<text x="12" y="18" font-size="${Math.min(13, Math.floor((PANEL_WIDTH - 24) / (0.6 * curve.title.length)))}" font-weight="bold">${escapeXml(curve.title)}</text>`,
  ]
  if (sizes.length === 0 || positive.length === 0) {
    parts.push(`<text x="${MARGIN.left}" y="${MARGIN.top + 20}" font-size="12">no points</text>`, '</g>')
    return parts.join('\n')
  }
  // A little room around the data, on the log scale.
  const xLow = Math.min(...sizes) / 1.3
  const xHigh = Math.max(...sizes) * 1.3
  const yLow = Math.min(...positive) / 1.4
  const yHigh = Math.max(...positive) * 1.4
  const sx = (size: number) => MARGIN.left + (Math.log(size / xLow) / Math.log(xHigh / xLow)) * plotWidth
  const sy = (value: number) => MARGIN.top + plotHeight - (Math.log(Math.max(value, yLow) / yLow) / Math.log(yHigh / yLow)) * plotHeight
  const fixed = (n: number) => n.toFixed(1)
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#d0d7de"/>`)
  for (const size of sizes) {
    parts.push(
      `<line x1="${fixed(sx(size))}" y1="${MARGIN.top}" x2="${fixed(sx(size))}" y2="${MARGIN.top + plotHeight}" stroke="#eaeef2"/>`,
      `<text x="${fixed(sx(size))}" y="${MARGIN.top + plotHeight + 16}" font-size="11" text-anchor="middle">${compactNumber(size)}</text>`,
    )
  }
  for (const tick of logTicks(yLow, yHigh)) {
    parts.push(
      `<line x1="${MARGIN.left}" y1="${fixed(sy(tick))}" x2="${MARGIN.left + plotWidth}" y2="${fixed(sy(tick))}" stroke="#eaeef2"/>`,
      `<text x="${MARGIN.left - 6}" y="${fixed(sy(tick) + 4)}" font-size="11" text-anchor="end">${escapeXml(formatNumber(tick, curve.unit))}</text>`,
    )
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + plotHeight + 34}" font-size="11" text-anchor="middle">${escapeXml(curve.sizeLabel)} (log scale)</text>`,
  )
  const series = (
    pick: (point: Curve['points'][number]) => { median: number; min: number; max: number } | undefined,
    colour: string,
    dashed: boolean,
  ) => {
    const drawn = curve.points.flatMap((point) => {
      const stat = pick(point)
      return stat ? [{ size: point.size, stat }] : []
    })
    if (drawn.length === 0) return
    parts.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ''} points="${drawn.map((point) => `${fixed(sx(point.size))},${fixed(sy(point.stat.median))}`).join(' ')}"/>`,
    )
    for (const point of drawn) {
      const x = fixed(sx(point.size))
      parts.push(
        `<line x1="${x}" y1="${fixed(sy(point.stat.min))}" x2="${x}" y2="${fixed(sy(point.stat.max))}" stroke="${colour}" stroke-width="1"/>`,
        `<circle cx="${x}" cy="${fixed(sy(point.stat.median))}" r="3" fill="${colour}"/>`,
      )
    }
  }
  series((point) => point.baseline, BASELINE_COLOUR, true)
  series((point) => point.value, SUBJECT_COLOUR, false)
  // The legend, under the axis label.
  const legendY = PANEL_HEIGHT - 6
  parts.push(
    `<line x1="${MARGIN.left}" y1="${legendY - 4}" x2="${MARGIN.left + 20}" y2="${legendY - 4}" stroke="${SUBJECT_COLOUR}" stroke-width="2"/>`,
    `<text x="${MARGIN.left + 24}" y="${legendY}" font-size="11">${escapeXml(curve.subjectLabel)}</text>`,
  )
  if (curve.baselineLabel) {
    const x = MARGIN.left + plotWidth / 2
    parts.push(
      `<line x1="${x}" y1="${legendY - 4}" x2="${x + 20}" y2="${legendY - 4}" stroke="${BASELINE_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>`,
      `<text x="${x + 24}" y="${legendY}" font-size="11">${escapeXml(curve.baselineLabel)}</text>`,
    )
  }
  parts.push('</g>')
  return parts.join('\n')
}

/** The whole plot: one panel per curve, in the order given. */
export function renderCurvesSvg(curves: readonly Curve[], caption: string): string {
  const rows = Math.max(1, Math.ceil(curves.length / COLUMNS))
  const width = PANEL_WIDTH * COLUMNS
  const height = rows * PANEL_HEIGHT + 30
  const panels = curves.map((curve, index) =>
    panel(curve, (index % COLUMNS) * PANEL_WIDTH, 30 + Math.floor(index / COLUMNS) * PANEL_HEIGHT),
  )
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    // The title names the figure for screen readers and as a tooltip.
    `<title>${escapeXml(caption)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="20" font-size="13">${escapeXml(caption)}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n')
}

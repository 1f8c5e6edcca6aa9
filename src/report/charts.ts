import {html, type Html} from './html.js'

// Inline SVG charts: a page that draws itself, with no script and nothing fetched. Every label is escaped by `html`.

export const COLORS = {ok: '#2e9e5b', error: '#d92d20', warning: '#f79009', hold: '#2e90fa', muted: '#98a2b3'}
const SERIES = ['#2e90fa', '#7a5af8', '#12b76a', '#f79009', '#ee46bc', '#15b79e', '#875bf7', '#98a2b3']

/** A colour per name, stable for one report. */
export function seriesColor(index: number): string {
  return SERIES[index % SERIES.length]
}

interface Segment {
  label: string
  value: number
  color: string
}

function figure(id: string, title: string, svg: Html, legend: Segment[], note?: string): Html {
  const items = legend.filter((segment, index) => legend.findIndex((other) => other.label === segment.label) === index)
  return html`<figure data-chart="${id}"><figcaption>${title}</figcaption>${svg}<ul class="legend">${items.map(
    (segment) => html`<li><span style="background:${segment.color}"></span>${segment.label}</li>`,
  )}</ul>${note && html`<p class="note">${note}</p>`}</figure>`
}

function svg(width: number, height: number, label: string, content: Html[]): Html {
  return html`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}">${content}</svg>`
}

/** A round upper bound for an axis: 1, 2, 5 × 10^n. */
function niceMax(value: number): number {
  if (value <= 0) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  return [1, 2, 5, 10].map((step) => step * power).find((candidate) => candidate >= value)!
}

interface HistogramInput {
  id: string
  title: string
  /** counts[bucket][series] */
  counts: number[][]
  series: {label: string; color: string}[]
  /** Vertical lines at these bucket boundaries (e.g. retention limits), labelled. */
  limits: {at: number; label: string}[]
  /** The label of a bucket's left edge (and of the last bucket's right edge). */
  bucketLabel: (edge: number) => string
  axisLabel: string
  note?: string
}

/** Stacked bars per bucket, with labelled vertical lines: recordings by age against their retention. */
export function histogram(input: HistogramInput): Html {
  const width = 560
  const height = 260
  const margin = {left: 40, right: 12, top: 34, bottom: 36}
  const plotWidth = width - margin.left - margin.right
  const plotHeight = height - margin.top - margin.bottom
  const buckets = input.counts.length
  const barWidth = plotWidth / Math.max(buckets, 1)
  const max = niceMax(Math.max(0, ...input.counts.map((stack) => stack.reduce((sum, count) => sum + count, 0))))
  const y = (value: number) => margin.top + plotHeight - (value / max) * plotHeight
  const step = Math.max(1, Math.ceil(buckets / 12))

  const bars = input.counts.flatMap((stack, bucket) => {
    let base = 0
    return stack.map((count, series) => {
      const top = base + count
      const rect =
        count > 0 &&
        html`<rect x="${(margin.left + bucket * barWidth + 1).toFixed(1)}" y="${y(top).toFixed(1)}" width="${Math.max(barWidth - 2, 1).toFixed(1)}" height="${(y(base) - y(top)).toFixed(1)}" fill="${input.series[series].color}"><title>${input.bucketLabel(bucket)}–${input.bucketLabel(bucket + 1)}: ${input.series[series].label} ${count}</title></rect>`
      base = top
      return rect || html``
    })
  })
  const ticks = [0, max / 2, max].map(
    (value) =>
      html`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(value)}" y2="${y(value)}" stroke="#e4e7ec"/><text x="${margin.left - 6}" y="${y(value) + 4}" text-anchor="end">${value}</text>`,
  )
  // Labels on bucket edges, where the limit lines are drawn: "6" is where month 6 begins.
  const labels = Array.from({length: Math.floor(buckets / step) + 1}, (_, index) => index * step).map(
    (edge) => html`<text x="${(margin.left + edge * barWidth).toFixed(1)}" y="${height - margin.bottom + 14}" text-anchor="middle">${input.bucketLabel(edge)}</text>`,
  )
  const limits = input.limits
    .filter((limit) => limit.at <= buckets)
    .map((limit, index) => {
      const x = (margin.left + limit.at * barWidth).toFixed(1)
      return html`<line x1="${x}" x2="${x}" y1="${margin.top - 4}" y2="${margin.top + plotHeight}" stroke="${COLORS.error}" stroke-width="1.5" stroke-dasharray="4 3"/><text x="${x}" y="${margin.top - 8 - (index % 2) * 12}" text-anchor="${limit.at > buckets * 0.7 ? 'end' : 'middle'}" fill="${COLORS.error}">${limit.label}</text>`
    })
  const axis = html`<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight}" stroke="#667085"/><text x="${margin.left + plotWidth / 2}" y="${height - 6}" text-anchor="middle">${input.axisLabel}</text>`
  return figure(input.id, input.title, svg(width, height, input.title, [...ticks, ...bars, axis, ...labels, ...limits]), input.series.map((series) => ({...series, value: 0})), input.note)
}

interface BarRow {
  label: string
  segments: Segment[]
}

interface BarsInput {
  id: string
  title: string
  rows: BarRow[]
  /** share: each row fills the width (100%); count: rows are to one scale. */
  scale: 'share' | 'count'
  /** A vertical line at this share (0–1), e.g. the policy's systematic.maxShare. */
  threshold?: {at: number; label: string}
  format: (value: number, total: number) => string
  note?: string
}

/** Horizontal stacked bars, one row a category: per purpose, share encrypted, notice coverage, per agent and day. */
export function bars(input: BarsInput): Html {
  const width = 560
  const rowHeight = 22
  const margin = {left: 150, right: 70, top: input.threshold ? 22 : 6, bottom: 6}
  const plotWidth = width - margin.left - margin.right
  const height = margin.top + margin.bottom + rowHeight * Math.max(input.rows.length, 1)
  const totals = input.rows.map((row) => row.segments.reduce((sum, segment) => sum + segment.value, 0))
  const max = Math.max(1, ...totals)

  const rows = input.rows.map((row, index) => {
    const total = totals[index]
    const scale = input.scale === 'share' ? (total > 0 ? plotWidth / total : 0) : plotWidth / max
    const top = margin.top + index * rowHeight
    let x = margin.left
    const rects = row.segments.map((segment) => {
      const rectWidth = segment.value * scale
      const rect =
        segment.value > 0 &&
        html`<rect x="${x.toFixed(1)}" y="${top + 3}" width="${rectWidth.toFixed(1)}" height="${rowHeight - 6}" fill="${segment.color}"><title>${row.label}: ${segment.label} ${input.format(segment.value, total)}</title></rect>`
      x += rectWidth
      return rect || html``
    })
    const label = row.label.length > 21 ? `${row.label.slice(0, 20)}…` : row.label
    return html`<text x="${margin.left - 6}" y="${top + rowHeight / 2 + 4}" text-anchor="end">${label}<title>${row.label}</title></text>${rects}<text x="${(input.scale === 'share' ? margin.left + plotWidth : x) + 6}" y="${top + rowHeight / 2 + 4}">${input.format(row.segments[0]?.value ?? 0, total)}</text>`
  })
  const threshold =
    input.threshold &&
    html`<line x1="${margin.left + input.threshold.at * plotWidth}" x2="${margin.left + input.threshold.at * plotWidth}" y1="${margin.top - 4}" y2="${height - margin.bottom}" stroke="${COLORS.error}" stroke-width="1.5" stroke-dasharray="4 3"/><text x="${margin.left + input.threshold.at * plotWidth}" y="${margin.top - 8}" text-anchor="middle" fill="${COLORS.error}">${input.threshold.label}</text>`
  return figure(input.id, input.title, svg(width, height, input.title, [...rows, threshold || html``]), input.rows.flatMap((row) => row.segments), input.note)
}

// HTML for the reports: every interpolated value is escaped unless it is already Html, so a sidecar or a
// file name holding `<script>` can only ever show as text. One self-contained page: no script, font or URL.

/** Markup that is already safe: built by `html` from escaped values. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

const ENTITIES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char])
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[]

function render(value: Value): string {
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  if (value === null || value === undefined || value === false) return ''
  return escapeHtml(String(value))
}

/** A template tag: `html\`<td>${key}</td>\`` escapes `key`; nested `html` results and arrays of them pass as markup. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1]
  })
  return new Html(out)
}

// Print: A4 portrait, sections kept whole where they fit, charts never split, links not needed (no URLs).
const STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6472; --line: #d5d9e0; --error: #b42318; --warning: #b54708; --info: #175cd3; --ok: #067647; }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); margin: 0 auto; max-width: 60rem; padding: 2rem 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.8rem 0 .6rem; padding-bottom: .2rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
.meta { color: var(--muted); margin: 0 0 1rem; }
.missing { border: 2px solid var(--error); border-radius: 6px; padding: .6rem 1rem; margin: 1rem 0; }
.missing h2 { border: 0; margin: 0 0 .3rem; color: var(--error); }
.verdict { border-radius: 6px; padding: .8rem 1rem; margin: 1rem 0; font-size: 1.2rem; font-weight: 600; color: #fff; }
.verdict.error { background: var(--error); } .verdict.warning { background: var(--warning); } .verdict.ok { background: var(--ok); }
dl { display: grid; grid-template-columns: minmax(10rem, 16rem) 1fr; gap: .35rem 1rem; margin: 0; }
dt { font-weight: 600; } dd { margin: 0; white-space: pre-line; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.key { min-width: 9rem; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .8rem; word-break: break-all; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.sev-error { color: var(--error); font-weight: 600; } .sev-warning { color: var(--warning); font-weight: 600; } .sev-info { color: var(--info); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(26rem, 1fr)); gap: 1rem 2rem; }
figure { margin: 0; break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
svg { display: block; max-width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg text { fill: var(--ink); }
.note { color: var(--muted); font-size: .85rem; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: .2rem 1rem; padding: 0; margin: .3rem 0 0; font-size: .85rem; }
.legend span { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; border-radius: 2px; }
.cards { display: flex; flex-wrap: wrap; gap: .6rem; margin: .6rem 0; }
.cards div { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .8rem; min-width: 8rem; }
.cards strong { display: block; font-size: 1.3rem; }
section { break-inside: avoid-page; }
@page { size: A4 portrait; margin: 16mm 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  tr, figure, dl > * { break-inside: avoid; }
  .charts { grid-template-columns: 1fr 1fr; }
}
`

/** A complete page: the reports' one stylesheet, inline, and nothing loaded from anywhere. */
export function page(lang: string, title: string, body: Html): string {
  return `<!doctype html>\n${html`<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>${title}</title><style>${new Html(STYLE)}</style></head><body>${body}</body></html>`.text}\n`
}

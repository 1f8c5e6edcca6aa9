import {html, page} from './html.js'
import type {RegisterEntry} from './register.js'
import {REGISTER_LABELS} from './register-labels.js'

/** The register as one self-contained page, printable to PDF on A4 from any browser. */
export function registerHtml(entry: RegisterEntry): string {
  const t = REGISTER_LABELS[entry.lang]
  const missing =
    entry.missing.length > 0 &&
    html`<section class="missing" id="missing"><h2>${t.missingTitle} (${entry.missing.length})</h2><p>${t.missingHelp}</p><ul>${entry.missing.map(
      (field) => html`<li><code>${field.field}</code> — ${field.label}</li>`,
    )}</ul></section>`
  const sections = entry.sections.map(
    (section, index) =>
      html`<section id="${section.id}"><h2>${index + 1}. ${section.title}</h2><dl>${section.items.map((item) => html`<dt>${item.label}</dt><dd>${item.lines.join('\n')}</dd>`)}</dl></section>`,
  )
  const body = html`<h1>${entry.title}</h1><p class="meta"><strong>${entry.name}</strong><br>${t.generated} ${entry.generatedAt} · ${t.archive}${t.colon}${entry.archive} · ${t.policy}${t.colon}${entry.policy}</p>${missing}${sections}`
  return page(entry.lang, `${entry.title} — ${entry.name}`, body)
}

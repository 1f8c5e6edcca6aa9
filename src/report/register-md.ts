import type {RegisterEntry} from './register.js'
import {REGISTER_LABELS} from './register-labels.js'

// Markdown punctuation in a policy's free text stays text.
const escape = (text: string) => text.replace(/[\\`*_[\]<>#|~]/g, '\\$&')

/** The register as Markdown: missing fields first, then the CNIL template's sections in order. */
export function registerMarkdown(entry: RegisterEntry): string {
  const t = REGISTER_LABELS[entry.lang]
  const out = [`# ${escape(entry.title)}`, '', `**${escape(entry.name)}**`, '', `${t.generated} ${entry.generatedAt} · ${t.archive}${t.colon}${escape(entry.archive)} · ${t.policy}${t.colon}${escape(entry.policy)}`, '']
  if (entry.missing.length > 0) {
    out.push(`> **${t.missingTitle}** (${entry.missing.length})`, '>', `> ${t.missingHelp}`, '>')
    for (const missing of entry.missing) out.push(`> - \`${missing.field}\` — ${escape(missing.label)}`)
    out.push('')
  }
  entry.sections.forEach((section, index) => {
    out.push(`## ${index + 1}. ${escape(section.title)}`, '')
    for (const item of section.items) {
      if (item.lines.length === 1) out.push(`- **${escape(item.label)}**${t.colon}${escape(item.lines[0])}`)
      else out.push(`- **${escape(item.label)}**`, ...item.lines.map((line) => `  - ${escape(line)}`))
    }
    out.push('')
  })
  return out.join('\n')
}

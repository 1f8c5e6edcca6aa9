// The rules' words in the reader's language: English from each rule's meta (ESLint's shape), French from
// messages-fr.ts. Reports render descriptions, severities and finding messages through here; the data of a
// message (dates, counts, names read from the archive or written in the policy) is shown as it is.
import type {Finding, Severity} from '../model.js'
import type {Lang} from '../report/register-labels.js'
import {FR} from './messages-fr.js'
import {ruleById} from './index.js'
import {localizeDetail} from '../details.js'
import {fillTemplate, type RuleMeta} from './types.js'

export interface RuleText {
  description: string
  messages: Record<string, string>
}

const SEVERITIES: Record<Lang, Record<Severity, string>> = {
  en: {error: 'error', warning: 'warning', info: 'info'},
  fr: {error: 'erreur', warning: 'avertissement', info: 'information'},
}

/** A rule's description and messages in `lang`; English where a translation is missing (a test makes that a failure). */
export function ruleText(meta: RuleMeta, lang: Lang): RuleText {
  return lang === 'fr' && FR[meta.id] ? FR[meta.id] : {description: meta.description, messages: meta.messages}
}

export function severityName(severity: Severity, lang: Lang): string {
  return SEVERITIES[lang][severity]
}

/** A finding's message in `lang`, from its message id and data; the English message of a finding that has none. */
export function findingMessage(finding: Finding, lang: Lang): string {
  const meta = ruleById(finding.rule)?.meta
  const template = meta && finding.messageId ? ruleText(meta, lang).messages[finding.messageId] : undefined
  if (template === undefined) return finding.message
  const details = ['origin', ...(meta!.details ?? [])]
  const data = finding.data && Object.fromEntries(Object.entries(finding.data).map(([name, value]) => [name, typeof value === 'string' && details.includes(name) ? localizeDetail(value, lang) : value]))
  return fillTemplate(template, data)
}

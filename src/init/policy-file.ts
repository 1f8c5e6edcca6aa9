import {Document, isMap, isScalar, type Node} from 'yaml'
import {CNIL_PURPOSES, DEFAULT_WORDS, REGULATORY_PURPOSES} from '../policy/defaults.js'
import {parsePolicy} from '../policy/load.js'
import type {CdrConfig, PolicyFile} from '../policy/schema.js'
import {missingFields} from '../report/register.js'
import type {Lang} from '../report/register-labels.js'

export const OFFERED_PURPOSES = {...CNIL_PURPOSES, ...REGULATORY_PURPOSES}
export type PurposeName = keyof typeof OFFERED_PURPOSES

// Who is recorded, in the language init writes (the register shows policy values as written); legal bases and
// references come from policy/defaults.ts.
const DATA_SUBJECTS: Record<Lang, string[]> = {
  fr: ['Salariés (conseillers)', 'Évaluateurs', 'Appelants (clients, prospects)'],
  en: ['Employees (agents)', 'Evaluators', 'Callers (customers, prospects)'],
}

/** What `init` asks, or assumes with --defaults. */
export interface InitAnswers {
  controller?: {name: string; email?: string}
  dpo?: {name: string; email?: string}
  purposes: PurposeName[]
  timezone: string
  /** The PBX, for the register's "software" heading. */
  software?: string
  cdr?: CdrConfig
  recipients: string[]
  journalPath?: string
  /** The register entry's creation date: the day init runs. */
  createdOn: string
  /** The language of the words init writes (legal bases, references, data subjects). */
  lang: Lang
}

export function defaultAnswers(createdOn: string, layout: {software?: string; cdr?: CdrConfig} = {}, lang: Lang = 'fr'): InitAnswers {
  return {purposes: Object.keys(CNIL_PURPOSES) as PurposeName[], timezone: 'Europe/Paris', recipients: [], createdOn, lang, ...layout}
}

// One comment per field, so that the file explains itself.
const COMMENTS: Record<string, string> = {
  controller: 'The controller: the organisation that decides to record calls (GDPR art. 30(1)(a)).',
  dpo: 'The data protection officer and how to reach them.',
  timezone: 'Time zone of the PBX clocks: times in file names and CDRs are read in it; retention counts calendar months in it.',
  purposes: `Why calls are recorded, each with its retention counted from the call ("6 months", "30d", "P6M"),\nits legal basis and the text that sets it. Defaults: CNIL (6 months for training, evaluation, quality;\n12 months for analysis documents). A recording with no purpose, or one not listed here, is an error.`,
  cdr: 'CDR index (Asterisk cdr_csv or cdr_custom): gives call dates, agents and the share of calls recorded.',
  encryption: 'Encryption at rest with age: recipients (age1…) of the people allowed to listen. `required: true` makes\nevery recording in clear an error. `callrec keygen` makes a key pair.',
  'encryption.required': 'Every recording must be encrypted (not-encrypted is an error).',
  'encryption.recipients': 'age public keys (age1…) of the authorised listeners.',
  journal: 'The journal of every access, export and purge (CNIL délibération 2021-122: kept 6 to 12 months).',
  'journal.path': 'Where the journal is written, relative to the archive root.',
  'journal.retention': 'How long journal entries are kept.',
  register: 'GDPR art. 30 register facts the archive cannot tell: `callrec report register` fills the CNIL template\nwith these and with what the audit measures, and lists what is still missing.',
  'register.createdOn': 'When this register entry was created (YYYY-MM-DD); add updatedOn when it changes.',
  'register.software': 'The recording software (PBX, recorder).',
  'register.dataSubjects': 'Who is recorded or appears in the recordings.',
  'register.recipients': 'Who receives recordings: internal services, external bodies, processors (name, service, country).',
  'register.transfers': 'Transfers outside the EU/EEA, each {recipient, country, safeguards}; [] states that there are none.',
  'register.securityMeasures': 'Security measures in words, under the CNIL template headings: accessControl, traceability,\nsoftwareProtection, backups, encryption, processorControl, other (a list).',
  'register.staffCouncilConsultedOn': 'Date the staff council (CSE) was consulted (Code du travail L.2312-38), or "not applicable".',
  'register.employeeNoticeRef': 'Where employees were told beforehand (Code du travail L.1222-4): a note, a charter, a page.',
}

/** The policy as data, from the answers: what init writes. */
function policyOf(answers: InitAnswers): PolicyFile {
  return {
    ...(answers.controller ? {controller: answers.controller} : {}),
    ...(answers.dpo ? {dpo: answers.dpo} : {}),
    timezone: answers.timezone,
    purposes: Object.fromEntries(
      answers.purposes.map((name) => [name, {...OFFERED_PURPOSES[name], ...DEFAULT_WORDS[name][answers.lang]}]),
    ),
    ...(answers.cdr ? {cdr: [answers.cdr]} : {}),
    encryption: {required: answers.recipients.length > 0, recipients: answers.recipients},
    journal: {...(answers.journalPath ? {path: answers.journalPath} : {}), retention: '12 months'},
    register: {
      createdOn: answers.createdOn,
      ...(answers.software ? {software: answers.software} : {}),
      dataSubjects: DATA_SUBJECTS[answers.lang],
    },
  }
}

/** The commented callrec.yml: validated by the loader before it is returned, so init never writes a file callrec refuses. */
export function policyText(answers: InitAnswers, file: string): string {
  const policy = policyOf(answers)
  const doc = new Document(policy)
  commentKeys(doc.contents, '')
  const missing = missingFields(parsePolicy(doc.toString(), file))
  doc.commentBefore = [
    ' callrec policy, written by `callrec init`. Checked at every run; an error names the line and the field.',
    ' Every default can be changed: callrec gives no legal advice (the defaults follow the CNIL, see the README).',
    ...(missing.length > 0 ? ['', ' Still to give for `callrec report register` (the GDPR art. 30 register):', ...missingLines(missing.map((field) => field.field))] : []),
  ].join('\n')
  const text = doc.toString()
  parsePolicy(text, file)
  return text
}

/** Each missing field, with its explanation once (controller.name and controller.email share one). */
function missingLines(fields: string[]): string[] {
  let last: string | undefined
  return fields.flatMap((field) => {
    const comment = COMMENTS[field] ?? COMMENTS[field.replace(/\.[^.]*$/, '')]
    const lines = comment && comment !== last ? comment.split('\n').map((line) => `       ${line}`) : []
    last = comment
    return [`   ${field}`, ...lines]
  })
}

function commentKeys(node: Node | null, prefix: string): void {
  if (!isMap(node)) return
  for (const pair of node.items) {
    if (!isScalar(pair.key)) continue
    const path = prefix + String(pair.key.value)
    const comment = COMMENTS[path]
    if (comment) pair.key.commentBefore = comment.replace(/^/gm, ' ')
    if (!prefix && pair !== node.items[0]) pair.key.spaceBefore = true
    if (path !== 'purposes') commentKeys(pair.value as Node, `${path}.`)
  }
}

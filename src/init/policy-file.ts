import {Document, isMap, isScalar, type Node} from 'yaml'
import {CNIL_PURPOSES, DEFAULT_WORDS, REGULATORY_PURPOSES} from '../policy/defaults.js'
import {parsePolicy} from '../policy/load.js'
import type {CdrFileConfig, PolicyFile} from '../policy/schema.js'
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
  cdr?: CdrFileConfig
  recipients: string[]
  journalPath?: string
  /** The register entry's creation date: the day init runs. */
  createdOn: string
  /** Default country of phone numbers written without an international prefix. */
  country: string
  /** What a recording gets when nothing else says: written only when given (the wizard asks), else commented out. */
  defaults?: {purpose?: string; noticePlayed?: boolean}
  /** Naming templates inferred from the archive's names. */
  filenames: string[]
  /** classify: rules proposed from the call types, queues and callees seen: written commented out. */
  classifyProposals: ClassifyProposal[]
  /** What dates how many of the names sampled, and the names nothing dates: written under filenames:. */
  namesCoverage?: string[]
  /** The language of the words init writes (legal bases, references, data subjects). */
  lang: Lang
}

export interface ClassifyProposal {
  name: string
  match: Record<string, string>
  /** Recordings of the sample it matches. */
  count: number
}

export function defaultAnswers(createdOn: string, layout: Partial<Pick<InitAnswers, 'software' | 'cdr' | 'filenames' | 'classifyProposals' | 'namesCoverage'>> = {}, lang: Lang = 'fr'): InitAnswers {
  return {purposes: Object.keys(CNIL_PURPOSES) as PurposeName[], timezone: 'Europe/Paris', country: 'FR', recipients: [], createdOn, filenames: [], classifyProposals: [], lang, ...layout}
}

/** What `defaults.purpose`, `defaults.noticePlayed` and `country` change: the wizard and the file say the same. */
export const EXPLAIN = {
  purpose:
    'defaults.purpose: the purpose of every recording that no sidecar, tag or classify: rule gives one. Without it such\nrecordings are purpose-missing errors, have no retention, and purge leaves them (the plan counts them).',
  noticePlayed:
    'defaults.noticePlayed: true only if the PBX tells every caller, before recording, that the call is recorded and that\nthey may object (an IVR message). It clears consent-missing for recordings that say nothing themselves.',
  country:
    'Country of the PBX (ISO 3166, e.g. FR): numbers written without an international prefix (06…, 0140…) are read as\nthis country\'s, for `find --caller`, `purge --caller` and the register.',
}

// One comment per field, so that the file explains itself.
const COMMENTS: Record<string, string> = {
  controller: 'The controller: the organisation that decides to record calls (GDPR art. 30(1)(a)).',
  dpo: 'The data protection officer and how to reach them.',
  timezone: 'Time zone of the PBX clocks: times in file names and CDRs are read in it; retention counts calendar months in it.',
  country: EXPLAIN.country,
  filenames: 'How this PBX names its recordings, tried before the built-in patterns (FreePBX, 3CX, Amazon Connect, Oreka,\nAsterisk). Placeholders: {start:STRFTIME} {uniqueid} {callid} {caller} {callee} {agent} {direction} {queue} {*} {ext};\na value stops at the character that follows it. Inferred by `callrec init` from the names it saw: check them.',
  defaults: 'What a recording gets when neither its own metadata (sidecar, tags, CDR, name) nor a classify: rule says it.',
  'defaults.purpose': EXPLAIN.purpose,
  'defaults.noticePlayed': EXPLAIN.noticePlayed,
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
    country: answers.country,
    ...(answers.filenames.length > 0 ? {filenames: answers.filenames} : {}),
    ...(answers.defaults && Object.keys(answers.defaults).length > 0 ? {defaults: answers.defaults} : {}),
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
  if (!policy.defaults) {
    const explain = (text: string) => text.split('\n').map((line) => `  # ${line}`)
    const purpose = answers.purposes.includes('quality') ? 'quality' : answers.purposes[0]
    addComment(doc, 'purposes', [`${COMMENTS.defaults}\nUncomment what is true of every such recording:`, 'defaults:', ...explain(EXPLAIN.purpose), `  purpose: ${purpose}`, ...explain(EXPLAIN.noticePlayed), '  noticePlayed: true'], true)
  }
  addComment(doc, 'encryption', classifyComment(answers), true)
  if (policy.filenames && answers.namesCoverage) addComment(doc, 'filenames', answers.namesCoverage)
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

/**
 * Comment lines for the top-level `key`: `first` puts them above what the key's comment says, as a block of its own
 * (settings init cannot decide, shown commented out where they belong); otherwise they follow it.
 */
function addComment(doc: Document, key: string, lines: string[], first = false): void {
  const pair = isMap(doc.contents) ? doc.contents.items.find((item) => isScalar(item.key) && item.key.value === key) : undefined
  if (!pair || !isScalar(pair.key) || lines.length === 0) return
  const block = lines.flatMap((line) => line.split('\n')).map((line) => ` ${line}`).join('\n')
  const current = pair.key.commentBefore
  pair.key.commentBefore = !current ? block : first ? `${block}\n\n${current}` : `${current}\n${block}`
}

function commentedYaml(value: unknown): string[] {
  return new Document(value).toString().trimEnd().split('\n')
}

const CLASSIFY_HELP = [
  'classify: ordered rules that give purpose, noticePlayed, direction or agent from what the names and the CDR say',
  '(match on key, type, queue, callee, caller, agent, direction, dcontext, userfield, accountcode; globs allowed).',
  'The first rule that matches sets a field; below each recording\'s own sidecar, tags, CDR and name, above defaults:.',
]

function classifyComment(answers: InitAnswers): string[] {
  const proposals = answers.classifyProposals
  if (proposals.length === 0) return CLASSIFY_HELP
  const rules = proposals.map(({name, match}) => ({name, match, set: {purpose: answers.defaults?.purpose ?? answers.purposes[0]}}))
  const counts = proposals.map(({name, count}) => `  ${name}: ${count} of the names sampled`)
  return [...CLASSIFY_HELP, 'Proposed from the names sampled (choose each purpose, uncomment):', ...counts, ...commentedYaml({classify: rules})]
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

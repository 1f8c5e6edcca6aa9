import type {AuditSummary} from '../audit.js'
import {durationOf} from '../policy/retention.js'
import type {Policy} from '../policy/schema.js'
import type {PurgeFact} from './last-purge.js'
import {REGISTER_LABELS, type Lang, type RegisterLabels} from './register-labels.js'

// The register entry (GDPR art. 30) for call recording: the policy's declarations, section by section in the
// CNIL template's order, completed with what the audit measured. Renderers only lay it out.

interface StorageFact {
  location: string
  region?: string
  /** Undefined when the region is not one callrec knows. */
  inEea?: boolean
  /** An S3-compatible server that is not AWS and a policy without `storage.country`: the register cannot tell. */
  needsCountry?: boolean
}

/** The audit's counts the register reports, with the facts an audit cannot tell. */
interface MeasuredFacts extends Pick<AuditSummary, 'recordings' | 'encrypted' | 'withNotice' | 'oldestRecordedAt' | 'findings' | 'byRule'> {
  asOf: string
  /** Undefined when the journal was not read; null when it holds no purge. */
  lastPurge?: PurgeFact | null
  storage: StorageFact
}

interface RegisterItem {
  label: string
  lines: string[]
}

type SectionId = keyof RegisterLabels['sections']

interface RegisterSection {
  id: SectionId
  title: string
  items: RegisterItem[]
}

interface MissingField {
  /** The policy field to fill, as a path in callrec.yml. */
  field: string
  label: string
}

export interface RegisterEntry {
  lang: Lang
  title: string
  name: string
  generatedAt: string
  archive: string
  policy: string
  missing: MissingField[]
  sections: RegisterSection[]
  facts: MeasuredFacts
}

// AWS regions in the EU/EEA (eu-west-2 is London and eu-central-2 Zurich: outside it).
const EEA_REGIONS = new Set(['eu-west-1', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2'])
const NON_EEA_REGION = /^(us|ca|sa|ap|me|af|il|mx|cn)-|^eu-west-2$|^eu-central-2$/

// The EU's 27 and Iceland, Liechtenstein, Norway.
const EEA_COUNTRIES = new Set('AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO'.split(' '))

/**
 * Where the recordings are: an AWS region says it; a server that is not AWS reports whatever region it is set to
 * (MinIO and s3rver say us-east-1 in Paris), so the policy's `storage.country` says it, or the register asks for it.
 */
export function storageFact(location: string, where?: {region: string; endpoint?: string}, country?: string): StorageFact {
  if (!where) return {location}
  if (where.endpoint) return country ? {location, region: `${country}, ${where.endpoint}`, inEea: EEA_COUNTRIES.has(country)} : {location, region: where.endpoint, needsCountry: true}
  const {region} = where
  return {location, region, inEea: EEA_REGIONS.has(region) ? true : NON_EEA_REGION.test(region) ? false : undefined}
}

export function measuredFacts(summary: AuditSummary, storage: StorageFact, purge: PurgeFact | null | undefined): MeasuredFacts {
  const {now, recordings, encrypted, withNotice, oldestRecordedAt, findings, byRule} = summary
  return {asOf: now, recordings, encrypted, withNotice, oldestRecordedAt, findings, byRule, lastPurge: purge, storage}
}

interface RegisterInput {
  policy: Policy
  policyFile: string
  archive: string
  facts: MeasuredFacts
  lang: Lang
  /** `callrec 1.2.3`: the software that audits the archive belongs in the register too. */
  tool: string
}

export function buildRegister({policy, policyFile, archive, facts, lang, tool}: RegisterInput): RegisterEntry {
  const t = REGISTER_LABELS[lang]
  const register = policy.register ?? {}
  const security = register.securityMeasures ?? {}
  const recipients = register.recipients ?? {}
  const number = new Intl.NumberFormat(lang)
  const share = (count: number) =>
    facts.recordings === 0
      ? t.values.ofTotal('0', '0')
      : `${new Intl.NumberFormat(lang, {style: 'percent', maximumFractionDigits: 1}).format(count / facts.recordings)} (${t.values.ofTotal(number.format(count), number.format(facts.recordings))})`
  const item = (label: string, ...lines: (string | undefined)[]): RegisterItem => ({label, lines: lines.filter((line): line is string => Boolean(line))})
  const list = (label: string, values: string[] | undefined, empty = t.values.notGiven) => item(label, ...(values?.length ? values : [empty]))
  const party = (value: Policy['controller']) => [
    item(t.items.name, value?.name),
    item(t.items.contact, value?.address, value?.email, value?.phone),
    ...(value?.representative ? [item(t.items.representative, value.representative)] : []),
  ]

  const purposes = Object.entries(policy.purposes)
  const purge = facts.lastPurge
  const storage = facts.storage
  const region = storage.region ? `${storage.region} (${storage.inEea === true ? t.values.inEea : storage.inEea === false ? t.values.outsideEea : '?'})` : t.values.local
  const transfers = register.transfers?.map((transfer) => `${transfer.recipient} (${transfer.country})${t.colon}${transfer.safeguards}`)
  const ruleCounts = Object.entries(facts.byRule).filter(([, count]) => count > 0)

  const sections: [SectionId, RegisterItem[]][] = [
    ['controller', party(policy.controller)],
    ['dpo', party(policy.dpo)],
    ['dates', [item(t.items.createdOn, register.createdOn), item(t.items.updatedOn, register.updatedOn)]],
    ['jointController', register.jointController ? party(register.jointController) : [item(t.items.name, t.values.none)]],
    ['software', [item(t.sections.software, register.software, tool)]],
    [
      'purposes',
      [
        item(t.items.mainPurpose, register.mainPurpose ?? register.name ?? t.defaultName),
        ...purposes.map(([name, purpose]) =>
          item(name, purpose.description, `${t.items.legalBasis}${t.colon}${purpose.legalBasis ?? t.values.notGiven}`, purpose.reference && `${t.items.reference}${t.colon}${purpose.reference}`),
        ),
      ],
    ],
    ['dataSubjects', [list(t.sections.dataSubjects, register.dataSubjects)]],
    [
      'dataCategories',
      [
        list(t.items.categories, register.dataCategories ?? t.defaultCategories),
        item(t.items.financial, t.values.noData),
        item(t.items.sensitive, register.sensitiveData ?? t.values.noData),
      ],
    ],
    ['retention', [...purposes.map(([name, purpose]) => item(name, t.items.retentionOf(humanDuration(purpose.retention, lang)))), item(t.items.journal, humanDuration(policy.journal.retention, lang))]],
    [
      'recipients',
      [list(t.items.internal, recipients.internal), list(t.items.external, recipients.external, t.values.none), list(t.items.processors, recipients.processors, t.values.none)],
    ],
    [
      'transfers',
      [
        item(t.sections.transfers, ...(transfers === undefined ? [] : transfers.length > 0 ? transfers : [t.values.noTransfer])),
        item(t.items.storage, `${storage.location} — ${region}`),
      ],
    ],
    [
      'security',
      [
        item(t.items.accessControl, security.accessControl),
        item(t.items.traceability, security.traceability, t.values.journalFacts(humanDuration(policy.journal.retention, lang))),
        item(t.items.softwareProtection, security.softwareProtection),
        item(t.items.backups, security.backups),
        item(t.items.encryption, security.encryption, t.values.encryptionFacts(policy.encryption.required, policy.encryption.recipients.length)),
        item(t.items.processorControl, security.processorControl),
        item(t.items.staffCouncil, register.staffCouncilConsultedOn && (register.staffCouncilConsultedOn === 'not applicable' ? t.values.notApplicable : t.values.consultedOn(register.staffCouncilConsultedOn))),
        item(t.items.employeeNotice, register.employeeNoticeRef),
        list(t.items.other, security.other, t.values.none),
      ],
    ],
    [
      'measured',
      [
        item(t.items.asOf, facts.asOf),
        item(t.items.recordings, number.format(facts.recordings)),
        item(t.items.encrypted, share(facts.encrypted)),
        item(t.items.withNotice, share(facts.withNotice)),
        item(t.items.oldest, facts.oldestRecordedAt ?? t.values.none),
        item(t.items.findings, ...(ruleCounts.length > 0 ? ruleCounts.map(([rule, count]) => `${rule}${t.colon}${number.format(count)}`) : [t.values.noFindings])),
        item(
          t.items.lastPurge,
          purge === undefined ? t.values.journalNotRead : purge === null ? t.values.noPurge : t.values.purge(purge.at, purge.recordings),
          purge?.certificate && `${t.items.certificate}${t.colon}${purge.certificate}`,
        ),
      ],
    ],
  ]

  return {
    lang,
    title: t.title,
    name: register.name ?? t.defaultName,
    generatedAt: facts.asOf,
    archive,
    policy: policyFile,
    missing: [...missingFields(policy, t), ...(facts.storage.needsCountry ? [{field: 'storage.country', label: t.items.storage}] : [])],
    // Every heading of the template shows, filled or "not given": the reader sees what is left to do.
    sections: sections.map(([id, items]) => ({id, title: t.sections[id], items: items.map((entry) => (entry.lines.length > 0 ? entry : {...entry, lines: [t.values.notGiven]}))})),
    facts,
  }
}

/** `6 months` → `6 mois` in French: the policy's durations in the register's language. */
function humanDuration(text: string, lang: Lang): string {
  return durationOf(text).reconfigure({locale: lang}).toHuman()
}

/** What GDPR art. 30(1) and the French labour code require and the policy does not say yet. */
export function missingFields(policy: Policy, t: RegisterLabels = REGISTER_LABELS.en): MissingField[] {
  const register = policy.register ?? {}
  const missing: MissingField[] = []
  const need = (present: unknown, field: string, label: string) => {
    if (present === undefined || (Array.isArray(present) && present.length === 0)) missing.push({field, label})
  }
  for (const [key, party] of [['controller', policy.controller], ['dpo', policy.dpo]] as const) {
    need(party?.name, `${key}.name`, `${t.sections[key]}${t.colon}${t.items.name}`)
    need(party?.address ?? party?.email ?? party?.phone, `${key}.email`, `${t.sections[key]}${t.colon}${t.items.contact}`)
  }
  need(register.createdOn, 'register.createdOn', t.items.createdOn)
  for (const [name, purpose] of Object.entries(policy.purposes)) need(purpose.legalBasis, `purposes.${name}.legalBasis`, `${name}${t.colon}${t.items.legalBasis}`)
  need(register.dataSubjects, 'register.dataSubjects', t.sections.dataSubjects)
  need(register.recipients?.internal, 'register.recipients.internal', t.items.internal)
  // An empty list is an answer here ("no transfer"); only silence is missing.
  if (register.transfers === undefined) missing.push({field: 'register.transfers', label: t.sections.transfers})
  need(register.securityMeasures?.accessControl, 'register.securityMeasures.accessControl', t.items.accessControl)
  need(register.staffCouncilConsultedOn, 'register.staffCouncilConsultedOn', t.items.staffCouncil)
  need(register.employeeNoticeRef, 'register.employeeNoticeRef', t.items.employeeNotice)
  return missing
}

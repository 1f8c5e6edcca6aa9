import {z} from 'zod'
import {parseDuration, DURATION_HELP} from './duration.js'
import {IANAZone} from 'luxon'

const duration = z.string().refine((text) => parseDuration(text) !== undefined, {message: `not a duration: use ${DURATION_HELP}`})
const timezone = z.string().refine((zone) => IANAZone.isValidZone(zone), {message: 'not an IANA time zone such as Europe/Paris or UTC'})
const party = z.strictObject({
  name: z.string().min(1),
  address: z.string().optional(),
  email: z.string().optional(),
  phone: z.string().optional(),
  representative: z.string().optional(),
})

/**
 * The facts of the GDPR art. 30 register entry that the archive cannot tell (`callrec report register`).
 * Every field is optional here: the loader accepts a policy still being written, and the register lists the
 * mandatory ones that are missing (and fails). Free text is written in the register's language.
 */
const texts = z.array(z.string().min(1))
const registerSchema = z.strictObject({
  /** The processing's name in the register. Default: "Enregistrement des appels téléphoniques" / "Call recording". */
  name: z.string().min(1).optional(),
  /** When the entry was created and last updated (YYYY-MM-DD). */
  createdOn: z.iso.date().optional(),
  updatedOn: z.iso.date().optional(),
  /** A controller who decides the purposes together with this one, if any. */
  jointController: party.optional(),
  /** The recording software: PBX, recorder, storage (callrec adds itself). */
  software: z.string().min(1).optional(),
  /** The main purpose; the sub-purposes are the policy's `purposes`, each with its `legalBasis`. */
  mainPurpose: z.string().min(1).optional(),
  /** Categories of people concerned: agents, evaluators, callers (customers, prospects). */
  dataSubjects: texts.optional(),
  /** Categories of data. Default: the CNIL's list for call recording (identity, evaluations, call data, voice). */
  dataCategories: texts.optional(),
  /** Sensitive data (GDPR art. 9) recorded, if any. Default: none. */
  sensitiveData: z.string().min(1).optional(),
  /** Who receives the recordings: services of the organisation, outside bodies, processors (name, service, country). */
  recipients: z.strictObject({internal: texts.optional(), external: texts.optional(), processors: texts.optional()}).optional(),
  /** Transfers outside the EU/EEA with their safeguards; `[]` states that there are none. */
  transfers: z.array(z.strictObject({recipient: z.string().min(1), country: z.string().min(1), safeguards: z.string().min(1)})).optional(),
  /** The CNIL template's security headings, in words; callrec adds what it measures (encryption, journal). */
  securityMeasures: z
    .strictObject({
      accessControl: z.string().min(1).optional(),
      traceability: z.string().min(1).optional(),
      softwareProtection: z.string().min(1).optional(),
      backups: z.string().min(1).optional(),
      encryption: z.string().min(1).optional(),
      processorControl: z.string().min(1).optional(),
      /** E.g. recording paused during card payment, lines never recorded. */
      other: texts.optional(),
    })
    .optional(),
  /** Staff council (CSE) consulted before recording started (Code du travail L.2312-38): a date, or "not applicable". */
  staffCouncilConsultedOn: z.union([z.iso.date(), z.literal('not applicable')]).optional(),
  /** Where employees were told beforehand (Code du travail L.1222-4): a note, a charter, an intranet page. */
  employeeNoticeRef: z.string().min(1).optional(),
})

const purposeSchema = z.strictObject({
  retention: duration,
  /** The law or contract that sets this purpose and its retention: required for "other" and regulatory purposes. */
  reference: z.string().optional(),
  legalBasis: z.string().optional(),
  description: z.string().optional(),
})

const cdrSchema = z.strictObject({
  path: z.string().min(1),
  format: z.enum(['asterisk-csv', 'asterisk-custom']),
  timezone: timezone.optional(),
})

// object-tags costs one request per recording: used only when listed.
const METADATA_SOURCES = ['sidecar', 'tag', 'object-metadata', 'cdr', 'filename', 'object-tags'] as const
const DEFAULT_SOURCES = METADATA_SOURCES.filter((source) => source !== 'object-tags')

export const policySchema = z.strictObject({
  controller: party.optional(),
  dpo: party.optional(),
  timezone: timezone.default('Europe/Paris'),
  /** Default country for phone numbers written without an international prefix (ISO 3166 alpha-2). */
  country: z.string().length(2).default('FR'),
  defaults: z
    .strictObject({
      purpose: z.string().optional(),
      noticePlayed: z.boolean().optional(),
      callerObjected: z.boolean().optional(),
      direction: z.enum(['inbound', 'outbound', 'internal']).optional(),
    })
    .default({}),
  purposes: z.record(z.string(), purposeSchema).optional(),
  sources: z.array(z.enum(METADATA_SOURCES)).min(1).default(DEFAULT_SOURCES),
  cdr: z.array(cdrSchema).default([]),
  dueSoon: duration.default('30 days'),
  systematic: z
    .strictObject({
      maxShare: z.number().min(0).max(1).default(0.5),
      minCalls: z.number().int().min(1).default(20),
    })
    .default({maxShare: 0.5, minCalls: 20}),
  encryption: z
    .strictObject({
      required: z.boolean().default(false),
      recipients: z.array(z.string().regex(/^age1[0-9a-z]+$/, 'not an age recipient (age1…)')).default([]),
      skipHeld: z.boolean().default(false),
    })
    .default({required: false, recipients: [], skipHeld: false}),
  exclude: z.array(z.string()).default([]),
  journal: z
    .strictObject({
      path: z.string().optional(),
      hmacKey: z.string().optional(),
      retention: duration.default('12 months'),
    })
    .default({retention: '12 months'}),
  holds: z.strictObject({path: z.string().optional()}).default({}),
  /** Where an S3-compatible server (not AWS) keeps the data: its region name says nothing the register can trust. */
  storage: z.strictObject({country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 country code such as FR')}).optional(),
  /** Art. 30 register facts the archive cannot tell: see registerSchema and `callrec report register`. */
  register: registerSchema.optional(),
})

export type Policy = z.output<typeof policySchema> & {purposes: Record<string, z.output<typeof purposeSchema>>}
/** What `callrec init` writes. */
export type PolicyFile = z.input<typeof policySchema>
export type CdrConfig = z.output<typeof cdrSchema>

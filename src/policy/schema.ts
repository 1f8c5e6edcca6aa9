import {z} from 'zod'
import {parseDuration, DURATION_HELP} from './duration.js'
import {IANAZone} from 'luxon'
import {compileTemplate, TemplateError} from '../probe/filenames/template.js'
import {lazy} from '../lazy.js'

const age = lazy<typeof import('age-encryption')>('age-encryption')

/** A recipient age accepts: the prefix, the bech32 checksum and the key length all checked (age-encryption). */
export function isAgeRecipient(text: string): boolean {
  try {
    new (age().Encrypter)().addRecipient(text)
    return text.startsWith('age1')
  } catch {
    return false
  }
}

const duration = z.string().refine((text) => parseDuration(text) !== undefined, {message: `not a duration: use ${DURATION_HELP}`})
const timezone = z.string().refine((zone) => IANAZone.isValidZone(zone), {message: 'not an IANA time zone such as Europe/Paris or UTC'})
const party = z.strictObject({
  name: z.string().min(1),
  address: z.string().optional(),
  email: z.email({message: 'not an e-mail address'}).optional(),
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

const cdrFileSchema = z.strictObject({
  path: z.string().min(1),
  format: z.enum(['asterisk-csv', 'asterisk-custom']),
  timezone: timezone.optional(),
})

/** A CDR table in the PBX's database (FreePBX: MariaDB/MySQL asteriskcdrdb.cdr; Asterisk cdr_pgsql: PostgreSQL). */
const cdrDatabaseSchema = z.strictObject({
  /** `mysql://user@host[:port]/asteriskcdrdb`, `postgres://user@host[:port]/asterisk`; a unix socket with `?socket=PATH` (PostgreSQL: `?host=DIR`). */
  url: z.string().superRefine((text, context) => {
    let url: URL
    try {
      url = new URL(text)
    } catch {
      context.addIssue({code: 'custom', message: 'not a URL such as mysql://reader@pbx/asteriskcdrdb or postgres://reader@pbx/asterisk'})
      return
    }
    if (!['mysql:', 'mariadb:', 'postgres:', 'postgresql:'].includes(url.protocol)) context.addIssue({code: 'custom', message: `${url.protocol}// is not a CDR database: use mysql:// (MariaDB, MySQL) or postgres://`})
    else if (url.password) context.addIssue({code: 'custom', message: 'holds a password: never write it in the policy; name it with passwordEnv (an environment variable) or passwordFile'})
    else if (url.pathname.length <= 1) context.addIssue({code: 'custom', message: 'names no database (…/asteriskcdrdb)'})
  }),
  /** The CDR table: FreePBX and cdr_pgsql both call it `cdr`. */
  table: z.string().min(1).default('cdr'),
  /** Table columns with other names than Asterisk's (`calldate`, `src`, `uniqueid`, `recordingfile`…). */
  columns: z.partialRecord(
    z.enum(['calldate', 'answer', 'end', 'clid', 'src', 'dst', 'dcontext', 'channel', 'dstchannel', 'lastapp', 'lastdata', 'duration', 'billsec', 'disposition', 'amaflags', 'accountcode', 'uniqueid', 'linkedid', 'userfield', 'peeraccount', 'sequence', 'recordingfile']),
    z.string().min(1),
  ).optional(),
  passwordEnv: z.string().min(1).optional(),
  /** A file whose first line is the password (relative paths from the archive root). */
  passwordFile: z.string().min(1).optional(),
  tls: z.strictObject({ca: z.string().min(1).optional(), rejectUnauthorized: z.boolean().default(true)}).optional(),
  /** The zone of the PBX's wall-clock times (MySQL DATETIME, PostgreSQL timestamp); default the policy's. */
  timezone: timezone.optional(),
  /** Rows older than the oldest recording by more than this are not read. */
  margin: duration.default('7 days'),
}).refine((entry) => !(entry.passwordEnv && entry.passwordFile), {message: 'passwordEnv and passwordFile: give one, not both'})

// A file entry has `path`, a database entry `url`: checked against the one it is, so that errors name its own fields.
const cdrSchema = z.custom<z.input<typeof cdrFileSchema> | z.input<typeof cdrDatabaseSchema>>().transform((entry, context) => {
  const isDatabase = typeof entry === 'object' && entry !== null && 'url' in entry
  const parsed = isDatabase ? cdrDatabaseSchema.safeParse(entry) : cdrFileSchema.safeParse(entry)
  if (parsed.success) return parsed.data as z.output<typeof cdrFileSchema> | z.output<typeof cdrDatabaseSchema>
  for (const issue of parsed.error.issues) context.addIssue({...issue, code: 'custom', message: issue.message, path: issue.path} as never)
  return z.NEVER
})

/** A naming template (src/probe/filenames/template.ts), checked here so that a bad one fails at load, named. */
const filenameTemplate = z
  .union([z.string().min(1), z.strictObject({template: z.string().min(1), timezone: timezone.optional(), utc: z.boolean().optional()})])
  .superRefine((value, context) => {
    const config = typeof value === 'string' ? {template: value} : value
    try {
      compileTemplate(config, 0)
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error
      context.addIssue({code: 'custom', message: `template "${config.template}": ${error.message}`})
    }
  })

/** A condition of a classify rule: a value or a list of values (any of them), each a glob (picomatch). */
const condition = z.union([z.string().min(1), z.number(), z.array(z.union([z.string().min(1), z.number()])).min(1)])
export const CLASSIFY_CONDITIONS = ['key', 'type', 'queue', 'callee', 'caller', 'agent', 'direction', 'dcontext', 'userfield', 'accountcode'] as const
const classifyRule = z.strictObject({
  /** How --explain names the rule; `classify[N]` without one. */
  name: z.string().min(1).optional(),
  /** Every condition must hold; none at all matches every recording. */
  match: z.strictObject(Object.fromEntries(CLASSIFY_CONDITIONS.map((name) => [name, condition.optional()])) as Record<(typeof CLASSIFY_CONDITIONS)[number], z.ZodOptional<typeof condition>>).default({}),
  set: z
    .strictObject({
      purpose: z.string().min(1).optional(),
      noticePlayed: z.boolean().optional(),
      direction: z.enum(['inbound', 'outbound', 'internal']).optional(),
      agent: z.union([z.string().min(1), z.number()]).transform(String).optional(),
    })
    .refine((set) => Object.values(set).some((value) => value !== undefined), {message: 'sets nothing: give purpose, noticePlayed, direction or agent'}),
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
  /** Naming templates of this PBX's recordings, tried before the built-in patterns. */
  filenames: z.array(filenameTemplate).default([]),
  /** Ordered rules setting purpose, noticePlayed, direction or agent: below each recording's own metadata, above `defaults`. */
  classify: z.array(classifyRule).default([]),
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
      recipients: z.array(z.string().refine(isAgeRecipient, {message: 'not an age recipient (age1…: a bech32 X25519 or post-quantum key, as `callrec keygen` prints)'})).default([]),
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
  /** Where an S3 archive keeps its shared state (journal, holds, HMAC key, locks); default `.callrec/` under its prefix. */
  state: z
    .string()
    .refine((url) => /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^/]+)*\/?$/i.test(url) && !url.slice(5).split('/').some((part) => part === '.' || part === '..'), {
      message: 'not an S3 location for the shared state: s3://bucket or s3://bucket/prefix (no empty, "." or ".." part)',
    })
    .optional(),
  /** Art. 30 register facts the archive cannot tell: see registerSchema and `callrec report register`. */
  register: registerSchema.optional(),
})

export type Policy = z.output<typeof policySchema> & {purposes: Record<string, z.output<typeof purposeSchema>>}
/** What `callrec init` writes. */
export type PolicyFile = z.input<typeof policySchema>
export type CdrFileConfig = z.output<typeof cdrFileSchema>
export type CdrDatabaseConfig = z.output<typeof cdrDatabaseSchema>
export type ClassifyRule = z.output<typeof classifyRule>

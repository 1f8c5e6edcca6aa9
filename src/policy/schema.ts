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

const METADATA_SOURCES = ['sidecar', 'tag', 'cdr', 'filename'] as const

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
  sources: z.array(z.enum(METADATA_SOURCES)).min(1).default([...METADATA_SOURCES]),
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
  /** Art. 30 register facts the archive cannot tell: see `callrec report register`. */
  register: z.record(z.string(), z.unknown()).optional(),
})

export type Policy = z.output<typeof policySchema> & {purposes: Record<string, z.output<typeof purposeSchema>>}

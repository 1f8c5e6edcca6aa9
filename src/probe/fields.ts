import {DateTime} from 'luxon'
import {z} from 'zod'
import type {CallFields, PartialFields, Problem} from '../model.js'
import {detail} from '../details.js'
import {isoToUtc} from './time.js'

// One validator for call facts wherever they come from (sidecar JSON, audio tags): each field is checked
// on its own so that one bad field is named and the others are still used.
// Checked and turned into ISO UTC in one reading (one per sidecar).
const isoWithOffset = z.string().transform((text, context) => {
  const utc = /(Z|[+-]\d\d:?\d\d)$/i.test(text) ? isoToUtc(text) : undefined
  if (utc === undefined) context.addIssue({code: 'custom', message: 'notIsoDateTime', input: text})
  return utc ?? z.NEVER
})
const isoDate = z.string().refine((text) => DateTime.fromISO(text).isValid, {message: 'notIsoDate'})

const FIELD_SCHEMAS: {[K in keyof CallFields]: z.ZodType<unknown>} = {
  callId: z.union([z.string().min(1), z.number()]),
  recordedAt: isoWithOffset,
  purpose: z.string().min(1),
  noticePlayed: z.boolean(),
  callerObjected: z.boolean(),
  agent: z.union([z.string().min(1), z.number()]),
  caller: z.union([z.string().min(1), z.number()]),
  callee: z.union([z.string().min(1), z.number()]),
  direction: z.enum(['inbound', 'outbound', 'internal']),
  queue: z.union([z.string().min(1), z.number()]),
  legalHold: z.strictObject({reason: z.string().min(1), since: isoDate.optional(), until: isoDate.optional()}),
  paymentTaken: z.boolean(),
}

export const FIELD_NAMES = Object.keys(FIELD_SCHEMAS) as (keyof CallFields)[]
const BOOLEAN_FIELDS = new Set(['noticePlayed', 'callerObjected', 'paymentTaken'])
const TRUE = /^(true|yes|y|1|oui)$/i
const FALSE = /^(false|no|n|0|non)$/i

export interface ValidatedFields {
  fields: PartialFields
  problems: Problem[]
}

/**
 * Validates raw call facts. Tag values are text, so booleans spelled "yes"/"no" are accepted there,
 * but not in a JSON sidecar, where a string is a mistake worth naming.
 */
export function validateFields(raw: Record<string, unknown>, origin: Problem['origin'], source: string): ValidatedFields {
  const fromText = origin !== 'sidecar' // tags and object metadata are text
  const result: ValidatedFields = {fields: {}, problems: []}
  for (const [name, value] of Object.entries(raw)) {
    if (!(name in FIELD_SCHEMAS)) {
      result.problems.push({origin, source, field: name, unknown: true, message: detail('unknownField', {field: name})})
      continue
    }
    if (value === null || value === undefined) continue
    const field = name as keyof CallFields
    const input = fromText && BOOLEAN_FIELDS.has(field) && typeof value === 'string' ? textToBoolean(value) : value
    const parsed = FIELD_SCHEMAS[field].safeParse(input)
    if (!parsed.success) {
      result.problems.push({origin, source, field, message: describe(field, parsed.error, value)})
      continue
    }
    ;(result.fields as Record<string, unknown>)[field] = normalise(parsed.data)
  }
  return result
}

function textToBoolean(text: string): boolean | string {
  if (TRUE.test(text.trim())) return true
  if (FALSE.test(text.trim())) return false
  return text
}

/** Numbers given for text fields (a call id, an agent) are kept as text. */
function normalise(value: unknown): unknown {
  return typeof value === 'number' ? String(value) : value
}

/** The first issue, as a detail (rules/details.ts); our refinements name their detail id as their message. */
function describe(name: string, error: z.ZodError, value: unknown): string {
  const issue = error.issues[0]
  const shown = JSON.stringify(value)
  const field = [name, ...issue.path].join('.')
  if (issue.code === 'invalid_type') return detail('wrongType', {field, expected: issue.expected, got: shown?.length > 40 ? typeof value : shown})
  if (issue.message === 'notIsoDateTime' || issue.message === 'notIsoDate') return detail(issue.message, {field})
  if (issue.code === 'too_small' && issue.origin === 'string') return detail('emptyValue', {field})
  if (issue.code === 'invalid_value') return detail('notOneOf', {field, options: issue.values.map((option) => JSON.stringify(option)).join(', ')})
  if (issue.code === 'unrecognized_keys') return detail('unknownKeys', {field, keys: issue.keys.join(', ')})
  // A union (`callId`: a string or a number) names only its last branch's problem: the value is of neither type.
  if (issue.code === 'invalid_union') return detail('wrongType', {field, expected: 'string|number', got: shown?.length > 40 ? typeof value : shown})
  return detail('badValue', {field, issue: issue.message})
}

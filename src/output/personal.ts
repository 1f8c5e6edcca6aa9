// Personal data in callrec's own outputs: phone numbers appear in full only where the user asked for them
// (--show-personal). One form everywhere (tables, CSV, JSON, reports, certificates, the journal's export):
//
//   the number without its separators, its first four characters kept (`+336`, `0612`: the country code or the
//   trunk prefix and the operator), one • per hidden digit, its last two digits kept:
//   `+33612345678` → `+336••••••78`, `06 12 34 56 78` → `0612••••78`.
//
// Numbers of six digits or fewer are internal extensions (`1003`): they name a desk or an agent, whom the
// reports name anyway, so they are shown as they are. Keys carry numbers too: FreePBX writes
// `in-<to>-<from>-…`, 3CX `[Name]_<from>-<to>_…`; in a key the caller's and callee's numbers are masked the
// same way, and a 3CX party name keeps its initials (`[J••• D••]`).
import type {Finding, Recording} from '../model.js'
import {matchFilename} from '../probe/filenames/index.js'

const SEPARATORS = /[\s.\-()/]/g
const EXTENSION_DIGITS = 6

/** A phone number masked to the documented form; extensions and what holds no digits are returned as they are. */
export function maskNumber(number: string): string {
  const compact = number.replace(SEPARATORS, '')
  const digits = compact.replace(/\D/g, '').length
  if (digits <= EXTENSION_DIGITS || !/^\+?\d+$/.test(compact)) return number
  return compact.slice(0, 4) + '•'.repeat(compact.length - 6) + compact.slice(-2)
}

// Numbers as they show in free text and in names no pattern knows: international (`+33…`, `0033…`) or national
// with a trunk prefix (`06…`). A bare run of digits is more often a timestamp or a call id (`1715675520.17`).
const PHONE_IN_TEXT = /(?<![\p{L}\p{N}.])(?:\+|00)[1-9]\d{6,14}(?!\d)|(?<![\p{L}\p{N}.])0[1-9]\d{7,12}(?!\d)/gu

function maskName(name: string): string {
  return name.replace(/(\p{L})(\p{L}*)/gu, (_, first: string, rest: string) => first + '•'.repeat(rest.length))
}

/** The file name with the numbers its PBX convention puts in it masked; a sidecar is read as its recording's name. */
function maskFileName(key: string): string {
  const slash = key.lastIndexOf('/')
  let name = key.slice(slash + 1)
  const audioName = name.replace(/\.json$/i, '.wav')
  const facts = matchFilename(key.slice(0, slash + 1) + audioName)?.facts
  for (const value of [facts?.caller, facts?.callee]) {
    if (value && maskNumber(value) !== value) name = name.split(value).join(maskNumber(value))
  }
  // 3CX: `[Name]_…`: the other party's name (or number) as the PBX knew it.
  name = name.replace(/^\[([^\]]+)\]_/, (_, party: string) => `[${maskNumber(party) === party ? maskName(party) : maskNumber(party)}]_`)
  return key.slice(0, slash + 1) + name
}

/** A key with the phone numbers (and 3CX party names) in it masked. */
export function maskKey(key: string): string {
  // A recording's findings come one after the other and each masks its key twice (key, message): remember the last few.
  let masked = maskedKeys.get(key)
  if (masked === undefined) {
    if (maskedKeys.size >= 64) maskedKeys.clear()
    masked = maskFileName(key).replace(PHONE_IN_TEXT, maskNumber)
    maskedKeys.set(key, masked)
  }
  return masked
}

const maskedKeys = new Map<string, string>()

// In free text people also write numbers in groups (`06 12 34 56 78`, `+33 6 12 34 56 78`, `06.12.34.56.78`); not in
// keys, where `-` and `.` join a number to the next field (`in-0612345678-1001-…`).
const GROUPED_PHONE_IN_TEXT = /(?<![\p{L}\p{N}.])(?:(?:\+|00)[1-9]\d{0,3}|0[1-9])(?:[ .]\d{1,4}){2,6}(?![\p{N}])/gu

// What every match of the two patterns above contains: text without any of it (dates, durations, purposes: most of
// what findings say) is returned as it is, without running them.
const MAYBE_PHONE = /\d{8}|\+\d|00[1-9]|0[1-9][ .]\d/

/** Free text (a finding's message, a reason why) with the numbers in it masked, and `keys` masked where they appear. */
export function maskText(text: string, keys: readonly (string | undefined)[] = []): string {
  let masked = text
  for (const key of keys) if (key && masked.includes(key)) masked = masked.split(key).join(maskKey(key))
  if (!MAYBE_PHONE.test(masked)) return masked
  masked = masked.replace(GROUPED_PHONE_IN_TEXT, (number) => (/^\+?\d{9,15}$/.test(number.replace(SEPARATORS, '')) ? maskNumber(number) : number))
  return masked.replace(PHONE_IN_TEXT, maskNumber)
}

/** A masking function for one output: the identity with --show-personal. */
export type Masker = {key(key: string): string; text(text: string, keys?: readonly (string | undefined)[]): string; number(number: string): string}

export function masker(showPersonal: boolean): Masker {
  if (showPersonal) return {key: (key) => key, text: (text) => text, number: (number) => number}
  return {key: maskKey, text: maskText, number: maskNumber}
}

const PERSONAL_FIELDS = ['caller', 'callee'] as const

/** A copy of the recording with caller and callee numbers masked, in its fields and in its keys, unless the user asked for them. */
export function forDisplay(recording: Recording, showPersonal: boolean): Recording {
  if (showPersonal) return recording
  const fields = {...recording.fields}
  for (const [name, field] of Object.entries(fields)) {
    if (!field) continue
    const masked = {...field, ref: maskText(field.ref, [recording.key, recording.sidecarKey])}
    if ((PERSONAL_FIELDS as readonly string[]).includes(name)) masked.value = maskNumber(field.value as string)
    ;(fields as Record<string, unknown>)[name] = masked
  }
  return {
    ...recording,
    key: maskKey(recording.key),
    ...(recording.sidecarKey ? {sidecarKey: maskKey(recording.sidecarKey)} : {}),
    problems: recording.problems.map((problem) => ({...problem, source: maskText(problem.source, [recording.sidecarKey]), message: maskText(problem.message)})),
    fields,
  }
}

/** A finding with the numbers of its key and message masked, unless the user asked for them. */
export function findingForDisplay(finding: Finding, showPersonal: boolean): Finding {
  if (showPersonal) return finding
  const data = finding.data && Object.fromEntries(Object.entries(finding.data).map(([name, value]) => [name, typeof value === 'string' ? maskText(value, [finding.key]) : value]))
  return {...finding, key: maskKey(finding.key), message: maskText(finding.message, [finding.key]), ...(data ? {data} : {})}
}

const KEY_FIELDS = new Set(['key', 'keys', 'sidecar', 'journalKey'])
// A SHA-256 or an HMAC: hex that may begin like a phone number (`0612345678ab…`), never one.
const HEX_DIGEST = /^[0-9a-f]{32,}$/

/**
 * A journal entry (or any JSON) with the phone numbers in it masked: key fields as keys, other text as text.
 * What `access-log export` shows unless --show-personal; hashes and HMACs pass unchanged.
 */
export function maskDeep<T>(value: T, mask: Masker, field = ''): T {
  if (typeof value === 'string' && HEX_DIGEST.test(value)) return value
  if (typeof value === 'string') return (KEY_FIELDS.has(field) ? mask.key(value) : mask.text(value)) as T
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, mask, field)) as T
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, maskDeep(item, mask, name)])) as T
  return value
}

import {matchFilename} from '../probe/filenames/index.js'
import {AUDIO_EXT} from '../probe/filenames/parts.js'
import {compileTemplate, TemplateError, type CompiledTemplate} from '../probe/filenames/template.js'
import {wallClock} from '../probe/time.js'

// Reads a dialplan's naming convention back from the names it produced, for `callrec init`. Each name is cut into
// tokens (a uniqueid, a date-time, digit runs, words, separators); names of one shape (the same kinds of tokens
// and the same separators) are grouped, and each group that carries a date or a uniqueid gives a template:
// date-time → {start:FORMAT}, uniqueid → {uniqueid}, the first phone-like runs → {caller} and {callee}, direction
// words → {direction}, a word every name of the group shares → itself, anything else → {*}. Names a built-in
// pattern already reads need no template. The templates are then matched against the sample, as callrec will.

type Token =
  | {kind: 'uniqueid'; text: string}
  | {kind: 'date'; text: string; format: string}
  | {kind: 'number'; text: string}
  | {kind: 'word'; text: string}
  | {kind: 'sep'; text: string}

const EXT = new RegExp(String.raw`\.(${AUDIO_EXT})$`, 'i')
// The uniqueid's epoch between 2001 and 2100, with an optional one-word system name.
const UNIQUEID = /(?:[A-Za-z][A-Za-z0-9]*-)?(\d{9,10})\.\d+(?!\d)/y
// A date, then maybe a time: 20240128, 2024-01-28, 20240128-113400, 2024-01-28_11.34.00, 202401281134…
const DATE_TIME = /(\d{4})([-_.]?)(\d{2})\2(\d{2})(?:([-_T ]?)(\d{2})([-:.h]?)(\d{2})(?:\7(\d{2}))?)?(?!\d)/y
// A bare epoch in seconds (${EPOCH} in a dialplan): ten digits, from 2001 to a year from now (ten-digit phone
// numbers rarely start with 1).
const EPOCH = /\d{10}(?!\d)/y
const NUMBER = /\+?\d+/y
// A letter, then letters and digits (an identifier such as Q600 is one word), and the bytes of non-UTF-8 names as
// keys spell them (\xNN), and any other non-ASCII character.
const WORD = /(?:[A-Za-z]|\\x[0-9a-f]{2}|[^\x00-\x7f])(?:[A-Za-z0-9]|\\x[0-9a-f]{2}|[^\x00-\x7f])*/iy
const DIRECTION_WORDS = new Set(['in', 'out', 'inbound', 'outbound', 'incoming', 'outgoing', 'internal', 'local'])
const MIN_EPOCH = 978_307_200 // 2001-01-01
const MAX_EPOCH = 4_102_444_800 // 2100-01-01

function at(regex: RegExp, text: string, position: number): RegExpExecArray | null {
  regex.lastIndex = position
  return regex.exec(text)
}

export function tokenize(stem: string): Token[] {
  const tokens: Token[] = []
  for (let position = 0; position < stem.length; ) {
    const token = tokenAt(stem, position)
    tokens.push(token)
    position += token.text.length
  }
  return tokens
}

function tokenAt(stem: string, position: number): Token {
  const uniqueid = at(UNIQUEID, stem, position)
  if (uniqueid && Number(uniqueid[1]) >= MIN_EPOCH && Number(uniqueid[1]) < MAX_EPOCH) return {kind: 'uniqueid', text: uniqueid[0]}
  const date = at(DATE_TIME, stem, position)
  const format = date && dateFormat(date)
  if (date && format) return {kind: 'date', text: date[0], format}
  const epoch = at(EPOCH, stem, position)
  if (epoch && Number(epoch[0]) >= MIN_EPOCH && Number(epoch[0]) < Date.now() / 1000 + 365 * 86400) return {kind: 'date', text: epoch[0], format: '%s'}
  const number = at(NUMBER, stem, position)
  if (number) return {kind: 'number', text: number[0]}
  const word = at(WORD, stem, position)
  if (word) return {kind: 'word', text: word[0]}
  return {kind: 'sep', text: stem[position]}
}

/** The strftime format of a date-time run, if it is a possible date (1990–2099) and time. */
function dateFormat(match: RegExpExecArray): string | undefined {
  const [, year, dateSep, month, day, timeSep, hour, timeSep2, minute, second] = match
  if (Number(year) < 1990 || Number(year) > 2099) return undefined
  if (!wallClock(`${year}${month}${day}`, `${hour ?? '00'}${minute ?? '00'}${second ?? '00'}`)) return undefined
  const escape = (text: string) => text.replace('%', '%%')
  let format = `%Y${escape(dateSep)}%m${escape(dateSep)}%d`
  if (hour !== undefined) format += `${escape(timeSep)}%H${escape(timeSep2)}%M${second === undefined ? '' : `${escape(timeSep2)}%S`}`
  return format
}

/**
 * A group's shape: separators, date formats and uniqueids count; a number and a word are one kind, a value, since
 * one field holds either (a caller id is a number, or "anonymous", or a name).
 */
function shapeOf(tokens: Token[]): string {
  return tokens.map((token) => (token.kind === 'sep' ? `'${token.text}` : token.kind === 'date' ? `date:${token.format}` : token.kind === 'uniqueid' ? 'uniqueid' : 'value')).join(' ')
}

const literal = (text: string) => text.replace(/[{}]/g, '$&$&')

/** The template of a group of names with the same shape, or undefined when nothing in it dates the call. */
function templateOf(names: Token[][]): string | undefined {
  const first = names[0]
  if (!first.some((token) => token.kind === 'date' || token.kind === 'uniqueid')) return undefined
  const phones = ['caller', 'callee']
  const used = new Set<string>()
  const parts = first.map((token, index) => {
    const values = names.map((tokens) => tokens[index].text)
    switch (token.kind) {
      case 'sep':
        return literal(token.text)
      case 'date':
        if (used.has('start')) return literal(token.text)
        used.add('start')
        return `{start:${token.format}}`
      case 'uniqueid':
        if (used.has('uniqueid')) return '{*}'
        used.add('uniqueid')
        return '{uniqueid}'
      case 'word':
      case 'number': {
        // Phone numbers and extensions have 3 digits or more, and a caller id may be a word ("anonymous"); a
        // shorter run of digits is a counter or a code. A word all names share is part of the convention.
        const phoneLike = values.some((value) => /^\+?\d{3,}$/.test(value)) && !values.some((value) => /^\+?\d{1,2}$/.test(value))
        if (!phoneLike && values.every((value) => value === token.text)) return literal(token.text)
        if (!used.has('direction') && values.every((value) => DIRECTION_WORDS.has(value.toLowerCase()))) {
          used.add('direction')
          return '{direction}'
        }
        const field = phoneLike ? phones.find((name) => !used.has(name)) : undefined
        if (!field) return '{*}'
        used.add(field)
        return `{${field}}`
      }
    }
  })
  return `${parts.join('')}.{ext}`
}

export interface NameCoverage {
  /** Audio names sampled. */
  seen: number
  /** Inferred templates, most specific first, with how many sampled names each reads. */
  templates: {template: string; matched: number; example: string}[]
  /** Built-in patterns and how many sampled names each reads (first match wins, templates first). */
  builtIn: {id: string; matched: number}[]
  /** How many sampled names nothing dates, and the first of them. */
  unmatched: {count: number; sample: string[]}
  /** FreePBX call types (`in`, `q-500`…), queues, and the callees that take a good share of the calls (lines,
   * extensions: never a caller's number, which is personal data), with how many sampled names each, for classify proposals. */
  callTypes: Record<string, number>
  queues: Record<string, number>
  lines: Record<string, number>
}

const UNMATCHED_SAMPLE = 20

/** Infers templates from sampled keys (relative to the archive root) and measures what everything reads. */
export function inferNames(keys: string[]): NameCoverage {
  const plain = keys.map((key) => key.replace(/\.age$/i, ''))
  const readByBuiltIn = plain.filter((key) => matchFilename(key))
  const read = new Set(readByBuiltIn)
  const unread = plain.filter((key) => !read.has(key))
  // Group the names no built-in pattern reads by shape, biggest group first.
  const groups = new Map<string, Token[][]>()
  for (const key of unread) {
    const name = key.slice(key.lastIndexOf('/') + 1)
    const ext = EXT.exec(name)
    if (!ext) continue
    const tokens = tokenize(name.slice(0, ext.index))
    const shape = shapeOf(tokens)
    const group = groups.get(shape)
    if (group) group.push(tokens)
    else groups.set(shape, [tokens])
  }
  const templates: CompiledTemplate[] = []
  let remaining = unread
  for (const group of [...groups.values()].sort((a, b) => b.length - a.length)) {
    const text = templateOf(group)
    if (!text || templates.some((template) => template.template === text)) continue
    const candidate = compileInferred(text, templates.length)
    if (!candidate) continue
    // A template earns its place by reading names nothing read before, and must not take names from a built-in
    // pattern, which reads more of them (FreePBX's call type, direction, agent).
    if (!remaining.some((key) => candidate.match(key)?.localTime) || readByBuiltIn.some((key) => candidate.match(key))) continue
    templates.push(candidate)
    // Most specific first: a longer template before a shorter one that could read its names less well.
    templates.sort((a, b) => b.template.length - a.template.length)
    remaining = remaining.filter((key) => !templates.some((template) => template.match(key)))
  }
  const ordered = templates.map((template, index) => compileTemplate({template: template.template}, index))
  return {...coverage(plain, ordered), seen: keys.length}
}

/** An inferred template, or undefined if the name's odd characters made one the policy would refuse. */
function compileInferred(text: string, index: number): CompiledTemplate | undefined {
  try {
    return compileTemplate({template: text}, index)
  } catch (error) {
    if (error instanceof TemplateError) return undefined
    throw error
  }
}

function coverage(keys: string[], templates: CompiledTemplate[]): Omit<NameCoverage, 'seen'> {
  const counts = new Map<string, {matched: number; example: string}>()
  const unmatched: string[] = []
  const callTypes: Record<string, number> = {}
  const queues: Record<string, number> = {}
  const callees: Record<string, number> = {}
  for (const key of keys) {
    const found = matchFilename(key, templates)
    if (!found?.facts.localTime) {
      unmatched.push(key)
      continue
    }
    const count = counts.get(found.pattern) ?? {matched: 0, example: key}
    count.matched++
    counts.set(found.pattern, count)
    const {callType, queue, callee} = found.facts
    if (callType) callTypes[callType] = (callTypes[callType] ?? 0) + 1
    if (queue) queues[queue] = (queues[queue] ?? 0) + 1
    if (callee) callees[callee] = (callees[callee] ?? 0) + 1
  }
  return {
    templates: templates.map((template) => ({template: template.template, ...(counts.get(template.id) ?? {matched: 0, example: ''})})),
    builtIn: [...counts].filter(([id]) => !templates.some((template) => template.id === id)).map(([id, {matched}]) => ({id, matched})),
    unmatched: {count: unmatched.length, sample: unmatched.slice(0, UNMATCHED_SAMPLE)},
    callTypes,
    queues,
    // A number called in 5 % of the calls or more is a line of the company, not a customer.
    lines: Object.fromEntries(Object.entries(callees).filter(([, count]) => count >= Math.max(2, Math.ceil(keys.length * 0.05)))),
  }
}

const MAX_PROPOSALS = 8

/**
 * classify: rules worth writing for this archive: one per FreePBX call type (queues included) seen, else one per
 * queue and per line (a DID or extension taking a good share of the calls). Purposes are the user's to choose.
 */
export function proposeClassify(names: NameCoverage): {name: string; match: Record<string, string>; count: number}[] {
  const byCount = (counts: Record<string, number>) => Object.entries(counts).sort((a, b) => b[1] - a[1])
  const types = byCount(names.callTypes)
  if (types.length > 0) {
    return types.slice(0, MAX_PROPOSALS).map(([type, count]) => ({name: type.startsWith('q-') ? `queue ${type.slice(2)}` : `${type} calls`, match: {type}, count}))
  }
  const queues = byCount(names.queues).map(([queue, count]) => ({name: `queue ${queue}`, match: {queue}, count}))
  const lines = byCount(names.lines).map(([callee, count]) => ({name: `calls to ${callee}`, match: {callee}, count}))
  return [...queues, ...lines].slice(0, MAX_PROPOSALS)
}

/** What init says of the names: which pattern or template dates how many, and the names nothing dates. */
export function describeCoverage(names: NameCoverage): string[] {
  if (names.seen === 0) return ['No recordings found to learn the file names from.']
  const dated = names.seen - names.unmatched.count
  const lines = [`File names: ${dated} of ${names.seen} sampled are dated from the name (${Math.floor((dated / names.seen) * 1000) / 10} %).`]
  for (const {template, matched, example} of names.templates) lines.push(`  inferred template ${template}: ${matched} (e.g. ${example})`)
  for (const {id, matched} of names.builtIn) lines.push(`  built-in pattern ${id}: ${matched}`)
  if (names.unmatched.count > 0) {
    lines.push(`  not dated by any pattern (${names.unmatched.count}; the CDR or the file's mtime will date them):`)
    for (const key of names.unmatched.sample) lines.push(`    ${key}`)
    if (names.unmatched.count > names.unmatched.sample.length) lines.push(`    … and ${names.unmatched.count - names.unmatched.sample.length} more`)
  }
  return lines
}

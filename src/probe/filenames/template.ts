import type {Direction} from '../../model.js'
import {parseUniqueId} from '../asterisk-id.js'
import {epochWallClock, wallClock} from '../time.js'
import {AUDIO_EXT, splitPath} from './parts.js'
import type {NameFacts} from './types.js'

// Naming templates: the policy's `filenames:` describes names set in a dialplan, e.g.
// MixMonitor(${STRFTIME(${EPOCH},,%Y%m%d%H%M)}_${CALLERID(num)}-${EXTEN}_${UNIQUEID}.wav) is
// "{start:%Y%m%d%H%M}_{caller}-{callee}_{uniqueid}.{ext}". A template is compiled once into an anchored regex.
// Without "/" it is matched against the file name; with "/" against as many trailing segments of the key.

export interface TemplateConfig {
  template: string
  /** Zone of the time written by `{start:…}`; the policy's timezone when absent. */
  timezone?: string
  utc?: boolean
}

export interface CompiledTemplate {
  /** How `--explain` names it: `filenames[0] "{start:%Y%m%d%H%M}_…"`. */
  id: string
  template: string
  zone?: string
  segments: number
  match(key: string): NameFacts | undefined
}

/** A template the policy cannot use: the message names the problem (the loader adds the template). */
export class TemplateError extends Error {}

type Field = 'uniqueid' | 'callid' | 'caller' | 'callee' | 'agent' | 'direction' | 'queue'
const FIELDS: readonly Field[] = ['uniqueid', 'callid', 'caller', 'callee', 'agent', 'direction', 'queue']
export const PLACEHOLDERS = ['{start:STRFTIME}', ...FIELDS.map((field) => `{${field}}`), '{*}', '{ext}']

/**
 * A value: anything but a folder separator and the character that follows the placeholder in the template, so that
 * in "{caller}-{callee}_{uniqueid}" the caller stops at the first "-" and the callee at the first "_".
 */
function textBefore(next: Piece | undefined): string {
  const stop = next?.kind === 'literal' && next.text[0] !== '/' ? next.text[0].replace(/[\\\]^-]/, '\\$&') : ''
  return `[^/${stop}]*?`
}
// Asterisk's uniqueid with an optional system-name prefix (asterisk.conf `systemname`), see asterisk-id.ts.
const UNIQUEID = String.raw`(?:[^/]+?-)?\d{9,10}\.\d+`
// How dialplans spell a direction; what is not in this list is not a direction and does not match.
const DIRECTIONS: Record<string, Direction> = {
  in: 'inbound', inbound: 'inbound', incoming: 'inbound',
  out: 'outbound', outbound: 'outbound', outgoing: 'outbound',
  internal: 'internal', local: 'internal',
}

// strftime directives a file name carries, each as a regex and the part of the date it gives.
type Part = 'year' | 'year2' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'epoch' | 'monthName'
const DIRECTIVES: Record<string, {source: string; part?: Part} | string> = {
  Y: {source: String.raw`\d{4}`, part: 'year'},
  y: {source: String.raw`\d{2}`, part: 'year2'},
  m: {source: String.raw`\d{2}`, part: 'month'},
  d: {source: String.raw`\d{2}`, part: 'day'},
  H: {source: String.raw`\d{2}`, part: 'hour'},
  M: {source: String.raw`\d{2}`, part: 'minute'},
  S: {source: String.raw`\d{2}`, part: 'second'},
  s: {source: String.raw`\d{9,10}`, part: 'epoch'},
  b: {source: '[A-Za-z]{3}', part: 'monthName'},
  F: '%Y-%m-%d',
  T: '%H:%M:%S',
  '%': '%',
}
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The regex of a strftime format and the date parts in the order of its groups. */
function compileStrftime(format: string): {source: string; parts: Part[]} {
  let source = ''
  const parts: Part[] = []
  const expanded = format.replace(/%([FT])/g, (_, letter: 'F' | 'T') => DIRECTIVES[letter] as string)
  for (let i = 0; i < expanded.length; i++) {
    if (expanded[i] !== '%') {
      source += escape(expanded[i])
      continue
    }
    const letter = expanded[++i]
    const directive = letter === undefined ? undefined : DIRECTIVES[letter]
    if (directive === undefined) throw new TemplateError(letter === undefined ? `{start:${format}}: ends with a lone %` : `{start:${format}}: %${letter} is not a directive callrec reads (use %Y %y %m %b %d %H %M %S %s %F %T %%)`)
    if (typeof directive === 'string') {
      source += escape(directive)
      continue
    }
    if (parts.includes(directive.part!)) throw new TemplateError(`{start:${format}}: %${letter} appears twice`)
    parts.push(directive.part!)
    source += `(${directive.source})`
  }
  const dated = parts.includes('epoch') || ((parts.includes('year') || parts.includes('year2')) && (parts.includes('month') || parts.includes('monthName')) && parts.includes('day'))
  if (!dated) throw new TemplateError(`{start:${format}}: needs a full date (%Y or %y, %m or %b, %d) or an epoch (%s)`)
  return {source, parts}
}

/** The wall-clock time (`YYYY-MM-DDTHH:MM:SS`) the parts read from a name give, or undefined if impossible. */
function startOf(parts: Part[], values: string[]): string | undefined {
  const got: Partial<Record<Part, string>> = {}
  parts.forEach((part, index) => (got[part] = values[index]))
  if (got.epoch) return epochWallClock(Number(got.epoch))
  const year = got.year ?? `20${got.year2}`
  const month = got.month ?? String(MONTHS.indexOf(got.monthName!.toLowerCase()) + 1).padStart(2, '0')
  return wallClock(`${year}${month}${got.day}`, `${got.hour ?? '00'}${got.minute ?? '00'}${got.second ?? '00'}`)
}

type Piece = {kind: 'literal'; text: string} | {kind: 'field'; field: Field} | {kind: 'start'; format: string} | {kind: 'any'} | {kind: 'ext'}

function parse(template: string): Piece[] {
  const pieces: Piece[] = []
  let literal = ''
  for (let i = 0; i < template.length; i++) {
    const char = template[i]
    if ((char === '{' || char === '}') && template[i + 1] === char) {
      literal += char
      i++
      continue
    }
    if (char === '}') throw new TemplateError(`a "}" without its "{" at character ${i + 1} (write "}}" for a literal brace)`)
    if (char !== '{') {
      literal += char
      continue
    }
    const end = template.indexOf('}', i)
    if (end < 0) throw new TemplateError(`"{" at character ${i + 1} is not closed`)
    const body = template.slice(i + 1, end)
    if (literal) pieces.push({kind: 'literal', text: literal})
    literal = ''
    pieces.push(placeholder(body))
    i = end
  }
  if (literal) pieces.push({kind: 'literal', text: literal})
  return pieces
}

function placeholder(body: string): Piece {
  if (body === '*') return {kind: 'any'}
  if (body === 'ext') return {kind: 'ext'}
  if (body.startsWith('start:')) return {kind: 'start', format: body.slice('start:'.length)}
  if (body === 'start') throw new TemplateError('{start} needs its strftime format, e.g. {start:%Y%m%d-%H%M%S}')
  if ((FIELDS as readonly string[]).includes(body)) return {kind: 'field', field: body as Field}
  throw new TemplateError(`{${body}} is not a placeholder (known: ${PLACEHOLDERS.join(' ')})`)
}

/** Compiles one template of the policy; throws TemplateError saying what is wrong with it. */
export function compileTemplate(config: TemplateConfig, index: number): CompiledTemplate {
  const {template} = config
  if (config.utc && config.timezone && config.timezone.toUpperCase() !== 'UTC') throw new TemplateError('utc: true and a timezone other than UTC contradict each other')
  const pieces = parse(template)
  if (!pieces.some((piece) => piece.kind !== 'literal')) throw new TemplateError('no placeholder: a template reads something from the name, e.g. {start:%Y%m%d%H%M%S}')
  if (template.startsWith('/') || template.split('/').some((segment) => segment === '' || segment === '..')) throw new TemplateError('not a relative path: no leading "/", empty or ".." segment')
  let source = ''
  const groups: ({kind: 'field'; field: Field} | {kind: 'start'; parts: Part[]})[] = []
  const seen = new Set<string>()
  for (const [index, piece] of pieces.entries()) {
    if (piece.kind === 'field' || piece.kind === 'start' || piece.kind === 'ext') {
      const name = piece.kind === 'field' ? piece.field : piece.kind
      if (seen.has(name)) throw new TemplateError(`{${name}${piece.kind === 'start' ? ':…' : ''}} appears twice`)
      seen.add(name)
    }
    if (piece.kind === 'literal') source += escape(piece.text)
    else if (piece.kind === 'any') source += textBefore(pieces[index + 1])
    else if (piece.kind === 'ext') source += `(?:${AUDIO_EXT})`
    else if (piece.kind === 'start') {
      const compiled = compileStrftime(piece.format)
      source += compiled.source
      groups.push({kind: 'start', parts: compiled.parts})
    } else {
      const text = textBefore(pieces[index + 1])
      source += `(${piece.field === 'uniqueid' ? UNIQUEID : piece.field === 'callid' ? text.replace('*?', '+?') : text})`
      groups.push(piece)
    }
  }
  const regex = new RegExp(`^${source}$`, 'i')
  const segments = template.split('/').length
  const zone = config.utc ? 'UTC' : config.timezone
  return {
    id: `filenames[${index}] "${template}"`,
    template,
    zone,
    segments,
    match(key) {
      const {folders, name} = splitPath(key)
      const tail = segments === 1 ? name : [...folders.slice(-(segments - 1)), name].join('/')
      if (segments > 1 && folders.length < segments - 1) return undefined
      const match = regex.exec(tail)
      if (!match) return undefined
      return factsOf(groups, match.slice(1), zone)
    },
  }
}

function factsOf(groups: ({kind: 'field'; field: Field} | {kind: 'start'; parts: Part[]})[], values: string[], zone: string | undefined): NameFacts | undefined {
  const facts: NameFacts = {}
  let next = 0
  for (const group of groups) {
    if (group.kind === 'start') {
      const taken = values.slice(next, next + group.parts.length)
      next += group.parts.length
      const start = startOf(group.parts, taken)
      if (!start) return undefined // an impossible date: the name is not what the template describes
      facts.localTime = start
      facts.utc = group.parts.includes('epoch') || zone === 'UTC'
      if (zone && !facts.utc) facts.zone = zone
      continue
    }
    const value = values[next++]
    if (value === '') continue
    if (group.field === 'direction') {
      const direction = DIRECTIONS[value.toLowerCase()]
      if (!direction) return undefined
      facts.direction = direction
    } else if (group.field === 'uniqueid') {
      facts.uniqueId = value
      facts.callId ??= value
    } else if (group.field === 'callid') facts.callId = value
    else facts[group.field] = value
  }
  if (!facts.localTime && facts.uniqueId) {
    // No written time: the uniqueid's epoch is when the channel was created, in UTC (as for bare MixMonitor names).
    const id = parseUniqueId(facts.uniqueId)
    if (id) [facts.localTime, facts.utc] = [epochWallClock(id.epoch), true]
  }
  return facts
}

const compiled = new WeakMap<object, CompiledTemplate[]>()

/** The policy's templates, compiled once per policy (the loader has checked them). */
export function policyTemplates(policy: {filenames: readonly (string | TemplateConfig)[]}): CompiledTemplate[] {
  let templates = compiled.get(policy.filenames)
  if (!templates) {
    templates = policy.filenames.map((entry, index) => compileTemplate(typeof entry === 'string' ? {template: entry} : entry, index))
    compiled.set(policy.filenames, templates)
  }
  return templates
}

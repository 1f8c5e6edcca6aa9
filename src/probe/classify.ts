import picomatch from 'picomatch'
import type {CallFields, SourcedFields} from '../model.js'
import type {ClassifyRule, Policy} from '../policy/schema.js'

// The policy's `classify:` rules give a recording without sidecar or tags its purpose, notice, direction or agent
// from what the probe already knows (its key, FreePBX call type, queue, numbers, CDR fields). They are policy
// defaults made specific: below each recording's own metadata (sidecar, tags, CDR, file name), above `defaults:`.
// First match wins per field; a rule's conditions also see what earlier rules set.

/** What a rule's conditions look at, beyond the recording's fields. */
export interface ClassifyFacts {
  key: string
  /** FreePBX call type from the file name: `in`, `out`, `q-500`, `external`, `internal`, `ondemand`… */
  callType?: string
  cdr?: {dcontext?: string; userField?: string; accountCode?: string}
}

type Condition = (facts: ClassifyFacts, fields: SourcedFields) => boolean
interface CompiledRule {
  ref: string
  set: ClassifyRule['set']
  conditions: Condition[]
}

const compiled = new WeakMap<object, CompiledRule[]>()

function compile(policy: Policy): CompiledRule[] {
  let rules = compiled.get(policy.classify)
  if (rules) return rules
  rules = policy.classify.map((rule, index) => ({
    ref: rule.name ? `classify "${rule.name}"` : `classify[${index}]`,
    set: rule.set,
    conditions: Object.entries(rule.match).flatMap(([name, wanted]): Condition[] => {
      if (wanted === undefined) return []
      const globs = (Array.isArray(wanted) ? wanted : [wanted]).map(String)
      const test = picomatch(globs, {dot: true, nocase: name !== 'key'})
      const read = READERS[name]
      return [(facts, fields) => {
        const value = read(facts, fields)
        return value !== undefined && value !== '' && test(value)
      }]
    }),
  }))
  compiled.set(policy.classify, rules)
  return rules
}

const field = (name: keyof CallFields) => (_: ClassifyFacts, fields: SourcedFields) => {
  const value = fields[name]?.value
  return value === undefined ? undefined : String(value)
}
const READERS: Record<string, (facts: ClassifyFacts, fields: SourcedFields) => string | undefined> = {
  key: (facts) => facts.key.replace(/\.age$/i, ''),
  type: (facts) => facts.callType,
  queue: field('queue'),
  callee: field('callee'),
  caller: field('caller'),
  agent: field('agent'),
  direction: field('direction'),
  dcontext: (facts) => facts.cdr?.dcontext,
  userfield: (facts) => facts.cdr?.userField,
  accountcode: (facts) => facts.cdr?.accountCode,
}

/** Adds to `fields` (in place) what the first matching rules set, for each field not already known. */
export function classify(policy: Policy, facts: ClassifyFacts, fields: SourcedFields): void {
  for (const rule of compile(policy)) {
    const open = Object.entries(rule.set).filter(([name, value]) => value !== undefined && !(name in fields))
    if (open.length === 0 || !rule.conditions.every((condition) => condition(facts, fields))) continue
    for (const [name, value] of open) (fields as Record<string, unknown>)[name] = {value, source: 'policy', ref: rule.ref}
  }
}

import {readFile} from 'node:fs/promises'
import {isMap, isNode, isScalar, isSeq, LineCounter, parseDocument} from 'yaml'
import type {z} from 'zod'
import {CallrecError, EXIT} from '../errors.js'
import {CNIL_PURPOSES} from './defaults.js'
import {policySchema, type Policy} from './schema.js'

export const POLICY_FILE = 'callrec.yml'

export interface LoadedPolicy {
  policy: Policy
  /** The file it came from, or undefined when the CNIL defaults apply. */
  file?: string
}

export function defaultPolicy(): Policy {
  const policy = policySchema.parse({}) as Policy
  policy.purposes = structuredClone(CNIL_PURPOSES) as unknown as Policy['purposes']
  return policy
}

/** Loads and validates a policy file; every error names the file, the line and the field. */
export async function loadPolicyFile(file: string): Promise<LoadedPolicy> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new CallrecError(`${file}: cannot read the policy (${(error as NodeJS.ErrnoException).code ?? error})`)
  }
  return {policy: parsePolicy(text, file), file}
}

export function parsePolicy(text: string, file: string): Policy {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true})
  if (doc.errors.length > 0) {
    const error = doc.errors[0]
    const {line} = lineCounter.linePos(error.pos[0])
    throw new CallrecError(`${file}:${line}: invalid YAML: ${error.message.split('\n')[0]}`)
  }
  // An empty file is more often a truncated copy or a failed write than a choice: `{}` says "CNIL defaults".
  if (doc.contents === null) throw new CallrecError(`${file}: the policy is empty; write one (callrec init), or \`{}\` to apply the CNIL defaults`)
  const raw = doc.toJS()
  const result = policySchema.safeParse(raw)
  if (!result.success) {
    const issue = result.error.issues[0]
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path
    throw new CallrecError(`${file}:${lineOf(doc, lineCounter, path)}: ${fieldName(issue)}: ${issue.message}`)
  }
  const policy = result.data as Policy
  policy.purposes ??= structuredClone(CNIL_PURPOSES) as unknown as Policy['purposes']
  for (const [name, purpose] of Object.entries(policy.purposes)) {
    if (name === 'other' && !purpose.reference) {
      throw new CallrecError(`${file}:${lineOf(doc, lineCounter, ['purposes', name])}: purposes.other: needs a "reference" to the law or contract that allows it`)
    }
  }
  // A purpose named in defaults or by a classify rule must be one the policy defines.
  const named: [PropertyKey[], string | undefined][] = [[['defaults', 'purpose'], policy.defaults.purpose], ...policy.classify.map(({set}, index): [PropertyKey[], string | undefined] => [['classify', index, 'set', 'purpose'], set.purpose])]
  for (const [path, purpose] of named) {
    if (purpose && !policy.purposes[purpose]) {
      throw new CallrecError(`${file}:${lineOf(doc, lineCounter, path)}: ${path.join('.')}: "${purpose}" is not one of the purposes (${Object.keys(policy.purposes).join(', ')})`)
    }
  }
  return policy
}

function fieldName(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.')
  if (issue.code === 'unrecognized_keys') return [path, issue.keys.join(', ')].filter(Boolean).join('.')
  return path || '(top level)'
}

/** The line of the deepest key of the path that exists in the document (the key, not its value, is what a reader looks for). */
function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, path: readonly PropertyKey[]): number {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1) as unknown[], true)
    const last = path[depth - 1]
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last)
      if (pair && isNode(pair.key) && pair.key.range) return counter.linePos(pair.key.range[0]).line
    } else if (isSeq(parent)) {
      const item = parent.items[Number(last)]
      if (isNode(item) && item.range) return counter.linePos(item.range[0]).line
    }
  }
  return isNode(doc.contents) && doc.contents.range ? counter.linePos(doc.contents.range[0]).line : 1
}

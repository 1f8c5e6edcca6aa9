import {CallrecError} from '../errors.js'
import type {Policy} from '../policy/schema.js'
import type {Store} from '../store/types.js'
import {bareUniqueId} from './asterisk-id.js'
import {parseCdr} from './cdr/index.js'
import type {CdrCall, CdrProblem} from './cdr/types.js'

/** Every CDR file of the policy, loaded once per run and joined to recordings by uniqueid. */
export interface CdrIndex {
  calls: CdrCall[]
  problems: CdrProblem[]
  /** The CDR files, as keys; they are indexes, not recordings. */
  files: string[]
  byUniqueId: Map<string, CdrCall>
}

export async function loadCdrIndex(store: Store, policy: Policy): Promise<CdrIndex> {
  const index: CdrIndex = {calls: [], problems: [], files: [], byUniqueId: new Map()}
  for (const cdr of policy.cdr) {
    let bytes: Buffer
    try {
      bytes = await store.readFile(cdr.path)
    } catch (error) {
      throw new CallrecError(`${cdr.path}: cannot read the CDR index named in the policy (${(error as NodeJS.ErrnoException).code ?? error})`)
    }
    const parsed = parseCdr(bytes, cdr.path, cdr.format, cdr.timezone ?? policy.timezone)
    index.files.push(cdr.path)
    index.problems.push(...parsed.problems)
    for (const call of parsed.calls) {
      index.calls.push(call)
      // One call can log several rows (queue attempts, a missed try then an answer): the answered one describes it.
      const id = bareUniqueId(call.uniqueId)
      const known = index.byUniqueId.get(id)
      if (id && (!known || (known.disposition !== 'ANSWERED' && call.disposition === 'ANSWERED'))) index.byUniqueId.set(id, call)
    }
  }
  return index
}

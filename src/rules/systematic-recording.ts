import {DateTime} from 'luxon'
import type {Policy} from '../policy/schema.js'
import {bareUniqueId} from '../probe/asterisk-id.js'
import type {CdrIndex} from '../probe/cdr-index.js'
import {finding, type Rule} from './types.js'

const meta = {
  id: 'systematic-recording',
  severity: 'warning',
  description: "Share of an agent's answered calls recorded in a day above systematic.maxShare (CNIL: sampling, not systematic recording)",
  messages: {share: 'agent {{agent}} on {{day}}: {{recorded}} of {{answered}} answered calls recorded ({{share}}% > {{max}}%)'},
} as const

export interface AgentDay {
  agent: string
  day: string
  answered: number
  recorded: number
  /** The CDR file the calls came from. */
  file: string
}

/** Answered and recorded calls per CDR file, agent and day (policy time zone): the rule's measure, and the report's chart. */
export function agentDays(cdr: CdrIndex, policy: Policy, seenCallIds: Set<string>): AgentDay[] {
  const days = new Map<string, AgentDay>()
  for (const call of cdr.calls) {
    if (!call.agent || call.disposition !== 'ANSWERED') continue
    const day = DateTime.fromISO(call.start, {zone: policy.timezone}).toISODate()!
    const file = call.ref.replace(/:\d+$/, '')
    const id = `${file}\0${call.agent}\0${day}`
    const stats = days.get(id) ?? {agent: call.agent, day, answered: 0, recorded: 0, file}
    stats.answered++
    if (call.recorded === true || seenCallIds.has(bareUniqueId(call.uniqueId))) stats.recorded++
    days.set(id, stats)
  }
  return [...days.values()]
}

export default {
  meta,
  start({cdr, policy, seenCallIds}) {
    return {
      observe: () => [],
      finish() {
        const {maxShare, minCalls} = policy.systematic
        return agentDays(cdr, policy, seenCallIds)
          .filter((stats) => stats.answered >= minCalls && stats.recorded / stats.answered > maxShare)
          .map((stats) =>
            finding(meta, stats.file, {
              messageId: 'share',
              data: {agent: stats.agent, day: stats.day, recorded: stats.recorded, answered: stats.answered, share: Math.round((100 * stats.recorded) / stats.answered), max: Math.round(maxShare * 100)},
            }),
          )
      },
    }
  },
} satisfies Rule

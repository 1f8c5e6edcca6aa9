import type {Policy} from '../policy/schema.js'
import {isoDay, timeZone} from '../policy/zone.js'
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
  /** The CDR source the calls came from: a file's key or a database entry's name. */
  file: string
}

/** Answered and recorded calls per CDR source, agent and day (policy time zone): the rule's measure, and the report's chart. */
export function agentDays(cdr: CdrIndex, policy: Policy, seenCallIds: Set<string>): AgentDay[] {
  const days = new Map<string, AgentDay>()
  const zone = timeZone(policy.timezone)
  // streamed from the CDR index; the day by the zone's cached offset, not a date object per row (millions of rows)
  for (const call of cdr.answeredByAgent()) {
    const instant = Date.parse(call.start)
    const day = isoDay(instant + zone.offset(instant) * 60_000)
    const id = `${call.source}\0${call.agent}\0${day}`
    let stats = days.get(id)
    if (!stats) days.set(id, (stats = {agent: call.agent, day, answered: 0, recorded: 0, file: call.source}))
    stats.answered++
    if (call.recorded || seenCallIds.has(bareUniqueId(call.uniqueId))) stats.recorded++
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

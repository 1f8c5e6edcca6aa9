import {Flags} from '@oclif/core'
import {DateTime} from 'luxon'
import {openArchive} from '../../archive.js'
import {CallrecCommand, exitCodesHelp} from '../../cli/base.js'
import {archiveArg, nowFlag, parseActNow, policyFlag} from '../../cli/flags.js'
import {actorFlag, reasonFlag} from '../../cli/journal-flags.js'
import {CallrecError, EXIT} from '../../errors.js'
import {openJournal, readJournal, verifyJournal} from '../../journal/index.js'
import {PRUNE_FLOOR} from '../../journal/verify.js'
import {DURATION_HELP, parseDuration} from '../../policy/duration.js'
import {canAsk, confirm} from '../../ui/confirm.js'

export default class AccessLogPrune extends CallrecCommand {
  static summary = 'Remove journal entries past their retention, keeping the journal verifiable.'
  static description = `Entries older than --older-than (default: the policy's journal.retention, 12 months: CNIL délibération 2021-122 asks for 6 to 12) are removed, and a checkpoint entry carrying the last removed entry's seq, hash and time is appended: "access-log verify" still checks the whole chain, and checks that the checkpoint removed nothing younger than it says.

Never below the policy's journal.retention, nor below 6 months whatever the policy says: a shorter --older-than is refused, and so is a --now in the future. A journal that does not verify is not pruned (that would erase the evidence). On a terminal it asks; without one it needs --yes.

${exitCodesHelp({findings: 'the journal does not verify: nothing pruned'})}`

  static examples = ['<%= config.bin %> <%= command.id %> ./archive --yes', '<%= config.bin %> <%= command.id %> --older-than 12months --yes --json']

  static args = {archive: archiveArg}
  static flags = {
    policy: policyFlag,
    'older-than': Flags.string({description: `Remove entries older than this: ${DURATION_HELP}; no shorter than the policy's journal.retention. Default: journal.retention.`, helpValue: 'DURATION'}),
    now: nowFlag,
    yes: Flags.boolean({char: 'y', description: 'Prune without asking (cron). Without a terminal and without --yes, prune refuses (exit 2).'}),
    actor: actorFlag,
    reason: reasonFlag,
  }

  async run(): Promise<{journal: string; pruned: number; cutoff: string; checkpoint?: number}> {
    const {args, flags} = await this.parse(AccessLogPrune)
    const archive = await openArchive({location: args.archive, policy: flags.policy})
    const now = parseActNow(flags.now)
    const minimum = archive.policy.journal.retention
    const text = flags['older-than'] ?? minimum
    const age = parseDuration(text)
    if (!age) throw new CallrecError(`--older-than ${text}: not a duration; use ${DURATION_HELP}`)
    const cutoff = now.minus(age)
    const floor = DateTime.min(now.minus(parseDuration(minimum)!), now.minus(PRUNE_FLOOR))
    if (cutoff > floor) {
      throw new CallrecError(`--older-than ${text}: shorter than the journal's retention (policy journal.retention ${minimum}, and never under 6 months: CNIL délibération 2021-122); nothing pruned`)
    }
    const check = await verifyJournal(archive)
    if (check.problems.length > 0) {
      throw new CallrecError(`${check.journal}: does not verify (${check.problems[0].message}); not pruned, so the evidence stays (callrec access-log verify lists every problem)`, EXIT.findings)
    }
    const due = await countOlder(readJournal(archive), cutoff.toMillis())
    if (due === 0) {
      if (!this.jsonEnabled()) this.log(`${check.journal}: no entry older than ${cutoff.toISO()}`)
      return {journal: check.journal, pruned: 0, cutoff: cutoff.toISO()!}
    }
    if (!flags.yes) {
      if (!canAsk()) throw new CallrecError(`refusing to remove ${due} journal entries without confirmation: no terminal to ask on; add --yes`, EXIT.usage)
      if (!(await confirm(`Remove ${due} journal entries older than ${cutoff.toISO()} for good?`))) throw new CallrecError('nothing pruned: not confirmed', EXIT.usage)
    }
    const journal = await openJournal(archive, {actor: flags.actor})
    const {pruned, checkpoint} = await journal.prune(cutoff.toJSDate(), {command: 'access-log prune', reason: flags.reason})
    if (!this.jsonEnabled()) {
      this.log(pruned === 0 ? `${journal.file}: no entry older than ${cutoff.toISO()}` : `${journal.file}: ${pruned} entries older than ${cutoff.toISO()} removed; checkpoint #${checkpoint!.seq} carries the last removed hash`)
    }
    return {journal: journal.file, pruned, cutoff: cutoff.toISO()!, ...(checkpoint ? {checkpoint: checkpoint.seq} : {})}
  }
}

/** The entries prune would remove: the run of entries from the start that are older than the cutoff. */
async function countOlder(entries: AsyncIterable<{time: string}>, cutoff: number): Promise<number> {
  let count = 0
  for await (const entry of entries) {
    if (Date.parse(entry.time) >= cutoff) break
    count++
  }
  return count
}

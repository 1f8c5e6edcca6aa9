import {Flags} from '@oclif/core'
import {openArchive} from '../../archive.js'
import {CallrecCommand, EXIT_CODES_HELP} from '../../cli/base.js'
import {archiveArg, nowFlag, parseActNow, policyFlag} from '../../cli/flags.js'
import {actorFlag, reasonFlag} from '../../cli/journal-flags.js'
import {CallrecError, EXIT} from '../../errors.js'
import {readLines} from '../../journal/file.js'
import {journalPaths, openJournal} from '../../journal/index.js'
import {verifyLines} from '../../journal/verify.js'
import {DURATION_HELP, parseDuration} from '../../policy/duration.js'

export default class AccessLogPrune extends CallrecCommand {
  static summary = 'Remove journal entries past their retention, keeping the journal verifiable.'
  static description = `Entries older than --older-than (default: the policy's journal.retention, 12 months: CNIL délibération 2021-122 asks for 6 to 12) are removed, and a checkpoint entry carrying the last removed entry's hash is appended: "access-log verify" still checks the whole chain. A journal that does not verify is not pruned (that would erase the evidence).

${EXIT_CODES_HELP}`

  static examples = ['<%= config.bin %> <%= command.id %> ./archive --older-than 12months', '<%= config.bin %> <%= command.id %> --json']

  static args = {archive: archiveArg}
  static flags = {
    policy: policyFlag,
    'older-than': Flags.string({description: `Remove entries older than this: ${DURATION_HELP}. Default: the policy's journal.retention.`, helpValue: 'DURATION'}),
    now: nowFlag,
    actor: actorFlag,
    reason: reasonFlag,
  }

  async run(): Promise<{journal: string; pruned: number; cutoff: string; checkpoint?: number}> {
    const {args, flags} = await this.parse(AccessLogPrune)
    const archive = await openArchive({location: args.archive, policy: flags.policy})
    const text = flags['older-than'] ?? archive.policy.journal.retention
    const age = parseDuration(text)
    if (!age) throw new CallrecError(`--older-than ${text}: not a duration; use ${DURATION_HELP}`)
    const cutoff = parseActNow(flags.now).minus(age)
    const {journal} = journalPaths(archive)
    const check = await verifyLines(readLines(journal))
    if (check.problems.length > 0) {
      throw new CallrecError(`${journal}: does not verify (${check.problems[0].message}); not pruned, so the evidence stays (callrec access-log verify lists every problem)`, EXIT.findings)
    }
    const opened = await openJournal(archive, {actor: flags.actor})
    const {pruned, checkpoint} = await opened.prune(cutoff.toJSDate(), {command: 'access-log prune', reason: flags.reason})
    if (!this.jsonEnabled()) {
      this.log(pruned === 0 ? `${journal}: no entry older than ${cutoff.toISO()}` : `${journal}: ${pruned} entries older than ${cutoff.toISO()} removed; checkpoint #${checkpoint!.seq} carries the last removed hash`)
    }
    return {journal, pruned, cutoff: cutoff.toISO()!, ...(checkpoint ? {checkpoint: checkpoint.seq} : {})}
  }
}

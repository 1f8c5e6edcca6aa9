import {Flags} from '@oclif/core'
import {DateTime} from 'luxon'
import {openArchive} from '../../archive.js'
import {CallrecCommand, EXIT_CODES_HELP} from '../../cli/base.js'
import {archiveFlag} from '../../cli/archive-flag.js'
import {policyFlag} from '../../cli/flags.js'
import {describeMatch, holdArgs, holdFlags, holdMatchOf, matchDetails} from '../../cli/hold-flags.js'
import {actorFlag} from '../../cli/journal-flags.js'
import {CallrecError} from '../../errors.js'
import {newHold, updateHolds, type Hold} from '../../holds/index.js'
import {currentActor, journalPaths, openJournal} from '../../journal/index.js'

export default class HoldAdd extends CallrecCommand {
  static summary = 'Put recordings under legal hold: never purged, whatever their age.'
  static description = `A hold covers one recording (KEY, both its plain and .age forms), every key matching --glob, every call of a number (--caller, stored as a keyed HMAC), or one call id. Holds live in the holds file beside the journal; the audit reads them (retention-held, legal-hold-expired) and purge skips what they cover, checking again right before each deletion.

${EXIT_CODES_HELP}`

  static examples = [
    {description: 'Hold one recording for a dispute:', command: '<%= config.bin %> <%= command.id %> monitor/2026/05/14/in-1001.wav --reason "dispute #4521"'},
    {description: 'Every call of a number until a date:', command: '<%= config.bin %> <%= command.id %> --caller "06 12 34 56 78" --reason "AMF request 2026-17" --until 2027-06-30'},
  ]

  static args = holdArgs
  static flags = {
    ...holdFlags,
    archive: archiveFlag,
    policy: policyFlag,
    reason: Flags.string({required: true, description: 'Why (a case, a regulator request): shown by the audit and written to the journal.', helpValue: 'TEXT'}),
    until: Flags.string({description: 'End of the hold (ISO 8601 date); the audit flags it once past (legal-hold-expired). Default: until released.', helpValue: 'DATE'}),
    actor: actorFlag,
  }

  async run(): Promise<{hold: Hold; file: string}> {
    const {args, flags} = await this.parse(HoldAdd)
    const archive = await openArchive({location: flags.archive, policy: flags.policy})
    if (flags.until !== undefined && !DateTime.fromISO(flags.until).isValid) throw new CallrecError(`--until ${flags.until}: not an ISO 8601 date`)
    const match = await holdMatchOf(archive, args.key, flags, true)
    if ('key' in match && !(await archive.store.exists(match.key)) && !(await archive.store.exists(`${match.key}.age`))) throw new CallrecError(`${match.key}: no such recording in the archive (keys are relative to the root; --glob for patterns)`)
    const until = flags.until && DateTime.fromISO(flags.until).toISODate()!
    const actor = currentActor(flags.actor)
    const journal = await openJournal(archive, {actor: flags.actor})
    const hold = await updateHolds(
      archive,
      (holds) => {
        const hold = newHold(holds, match, flags.reason, until, actor)
        holds.push(hold)
        return hold
      },
      {journal, events: (hold) => [{action: 'hold', command: 'hold add', keys: 'key' in match ? [match.key] : [], reason: flags.reason, outcome: 'ok', details: {hold: hold.id, ...matchDetails(match), until}}]},
    )
    const file = journalPaths(archive).holds
    if (!this.jsonEnabled()) this.log(`hold #${hold.id} on ${describeMatch(match)}${until ? ` until ${until}` : ''}: ${flags.reason} (${file})`)
    return {hold, file}
  }
}

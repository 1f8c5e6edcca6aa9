import {Flags} from '@oclif/core'
import {DateTime} from 'luxon'
import {openArchive, type Archive} from '../../archive.js'
import {CallrecCommand, exitCodesHelp} from '../../cli/base.js'
import {archiveFlag} from '../../cli/archive-flag.js'
import {policyFlag} from '../../cli/flags.js'
import {describeMatch, holdArgs, holdFlags, holdMatchOf, matchDetails, shownMatch} from '../../cli/hold-flags.js'
import {actorFlag} from '../../cli/journal-flags.js'
import {CallrecError} from '../../errors.js'
import {runAudit} from '../../audit.js'
import {HoldIndex, newHold, updateHolds, type Hold, type HoldMatch} from '../../holds/index.js'
import {numberHasher} from '../../journal/hmac.js'
import {currentActor, openJournal} from '../../journal/index.js'
import {masker} from '../../output/personal.js'
import {printable} from '../../output/printable.js'
import {stateOf} from '../../state/index.js'

export default class HoldAdd extends CallrecCommand {
  static summary = 'Put recordings under legal hold: never purged, whatever their age.'
  static description = `A hold covers one recording (KEY, both its plain and .age forms), every key matching --glob, every call of a number (--caller, stored as a keyed HMAC), or one call id. Holds live in the holds file beside the journal; the audit reads them (retention-held, legal-hold-expired) and purge skips what they cover, checking again right before each deletion.

${exitCodesHelp({})}`

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
    'even-if-none': Flags.boolean({description: 'Add a --glob, --caller or --call-id hold that matches no recording yet (recordings still to come); without it such a hold is refused as a likely typo.'}),
  }

  async run(): Promise<{hold: Hold; file: string}> {
    const {args, flags} = await this.parse(HoldAdd)
    const archive = await openArchive({location: flags.archive, policy: flags.policy})
    if (flags.until !== undefined && !DateTime.fromISO(flags.until).isValid) throw new CallrecError(`--until ${flags.until}: not an ISO 8601 date`)
    const match = await holdMatchOf(archive, args.key, flags, true)
    const mask = masker(flags['show-personal'])
    const shown = describeMatch(shownMatch(match, mask))
    if ('key' in match && !(await archive.store.exists(match.key)) && !(await archive.store.exists(`${match.key}.age`))) throw new CallrecError(`${shown}: no such recording in the archive (keys are relative to the root; --glob for patterns)`)
    const until = flags.until && DateTime.fromISO(flags.until).toISODate()!
    const actor = currentActor(flags.actor)
    if (!('key' in match) && !flags['even-if-none']) {
      const matched = await countMatches(archive, match)
      if (matched === 0) throw new CallrecError(`${shown}: matches no recording in ${archive.root}; check it, or add --even-if-none to hold recordings still to come`)
    }
    const journal = await openJournal(archive, {actor: flags.actor})
    const hold = await updateHolds(
      archive,
      (holds, lastId) => {
        const hold = newHold(holds, match, flags.reason, until, actor, lastId)
        holds.push(hold)
        return hold
      },
      {journal, events: (hold) => [{action: 'hold', command: 'hold add', keys: 'key' in match ? [match.key] : [], reason: flags.reason, outcome: 'ok', details: {hold: hold.id, ...matchDetails(match), until}}]},
    )
    const file = (await stateOf(archive)).holdsName
    if (!this.jsonEnabled()) this.log(printable(`hold #${hold.id} on ${shown}${until ? ` until ${until}` : ''}: ${mask.text(flags.reason)} (${file})`))
    return {hold: {...hold, match: shownMatch(hold.match, mask), reason: mask.text(hold.reason)}, file}
  }
}

/** How many recordings of the archive a new hold would cover now: the audit's own view of keys, call ids and numbers. */
async function countMatches(archive: Archive, match: HoldMatch): Promise<number> {
  const index = new HoldIndex('new', [{id: 1, match, reason: 'new', since: '', by: {user: '', host: ''}}], 'caller' in match ? await numberHasher(archive, {create: false}) : undefined)
  let count = 0
  await runAudit(archive, {now: DateTime.utc(), rules: []}, {
    recording: ({key, fields}) => {
      if (index.matching({key, callId: fields.callId?.value, caller: fields.caller?.value, callee: fields.callee?.value}).length > 0) count++
    },
  })
  return count
}

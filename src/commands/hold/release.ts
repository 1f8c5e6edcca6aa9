import {Flags} from '@oclif/core'
import {isDeepStrictEqual} from 'node:util'
import {openArchive} from '../../archive.js'
import {CallrecCommand, exitCodesHelp} from '../../cli/base.js'
import {archiveFlag} from '../../cli/archive-flag.js'
import {policyFlag} from '../../cli/flags.js'
import {describeMatch, holdArgs, holdFlags, holdMatchOf, matchDetails, shownMatch} from '../../cli/hold-flags.js'
import {actorFlag, reasonFlag} from '../../cli/journal-flags.js'
import {CallrecError} from '../../errors.js'
import {updateHolds, type Hold} from '../../holds/index.js'
import {openJournal} from '../../journal/index.js'
import {masker} from '../../output/personal.js'
import {printable} from '../../output/printable.js'

export default class HoldRelease extends CallrecCommand {
  static summary = 'Release legal holds: by id, or every hold on KEY, --glob, --caller or --call-id.'
  static description = `Released recordings are purged again once past their retention. The release is written to the journal; the hold disappears from the holds file.

${exitCodesHelp({})}`

  static examples = ['<%= config.bin %> <%= command.id %> --id 3 --reason "dispute #4521 closed"', '<%= config.bin %> <%= command.id %> --caller +33612345678']

  static args = holdArgs
  static flags = {
    ...holdFlags,
    id: Flags.integer({description: 'The hold with this id (`callrec hold list`).', min: 1}),
    archive: archiveFlag,
    policy: policyFlag,
    reason: reasonFlag,
    actor: actorFlag,
  }

  async run(): Promise<{released: Hold[]}> {
    const {args, flags} = await this.parse(HoldRelease)
    const archive = await openArchive({location: flags.archive, policy: flags.policy})
    const match = flags.id === undefined ? await holdMatchOf(archive, args.key, flags, false) : undefined
    if (flags.id !== undefined && (args.key ?? flags.glob ?? flags.caller ?? flags['call-id']) !== undefined) throw new CallrecError('--id names the hold alone: drop KEY, --glob, --caller, --call-id')
    const mask = masker(flags['show-personal'])
    const journal = await openJournal(archive, {actor: flags.actor})
    const released = await updateHolds(
      archive,
      (holds) => {
        const gone = holds.filter((hold) => (match ? isDeepStrictEqual(hold.match, match) : hold.id === flags.id))
        if (gone.length === 0) throw new CallrecError(`no hold ${match ? `on ${describeMatch(shownMatch(match, mask))}` : `#${flags.id}`} (callrec hold list shows them)`)
        holds.splice(0, holds.length, ...holds.filter((hold) => !gone.includes(hold)))
        return gone
      },
      {
        journal,
        events: (released) =>
          released.map((hold) => ({action: 'release', command: 'hold release', keys: 'key' in hold.match ? [hold.match.key] : [], reason: flags.reason, outcome: 'ok', details: {hold: hold.id, ...matchDetails(hold.match)}})),
      },
    )
    const shown = released.map((hold) => ({...hold, match: shownMatch(hold.match, mask), reason: mask.text(hold.reason)}))
    if (!this.jsonEnabled()) for (const hold of shown) this.log(printable(`released hold #${hold.id} on ${describeMatch(hold.match)} (${hold.reason})`))
    return {released: shown}
  }
}

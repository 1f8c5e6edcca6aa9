import {Flags} from '@oclif/core'
import {openArchive} from '../../archive.js'
import {CallrecCommand, exitCodesHelp} from '../../cli/base.js'
import {archiveFlag} from '../../cli/archive-flag.js'
import {nowFlag, parseNow, policyFlag} from '../../cli/flags.js'
import {describeMatch, holdFlags, shownMatch} from '../../cli/hold-flags.js'
import {readHolds, type Hold} from '../../holds/index.js'
import {masker} from '../../output/personal.js'
import {printable} from '../../output/printable.js'
import {stateOf} from '../../state/index.js'

export default class HoldList extends CallrecCommand {
  static summary = 'List the legal holds: what each covers, why, since and until when, who set it.'
  static description = `Callers appear only as the start of their keyed HMAC: the holds file never holds a number. The phone numbers that PBX file names carry are masked in the keys and globs shown (+336••••••78), and in reasons, unless --show-personal.

${exitCodesHelp({})}`

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  static flags = {
    archive: archiveFlag,
    policy: policyFlag,
    now: nowFlag,
    'show-personal': holdFlags['show-personal'],
  }

  async run(): Promise<{file: string; holds: (Hold & {ended: boolean})[]}> {
    const {flags} = await this.parse(HoldList)
    const archive = await openArchive({location: flags.archive, policy: flags.policy})
    const state = await stateOf(archive)
    const file = state.holdsName
    const today = parseNow(flags.now).toISODate()!
    const mask = masker(flags['show-personal'])
    const holds = (await readHolds(state)).holds.map((hold) => ({
      ...hold,
      match: shownMatch(hold.match, mask),
      reason: mask.text(hold.reason),
      ended: hold.until !== undefined && hold.until < today,
    }))
    if (!this.jsonEnabled()) {
      if (holds.length === 0) this.log(`no legal holds (${file})`)
      for (const hold of holds) {
        const by = hold.by.name ?? `${hold.by.user}@${hold.by.host}`
        this.log(printable(`#${hold.id}  ${describeMatch(hold.match)}  "${hold.reason}"  since ${hold.since.slice(0, 10)}${hold.until ? `  until ${hold.until}` : ''}${hold.ended ? '  ENDED' : ''}  by ${by}`))
      }
    }
    return {file, holds}
  }
}

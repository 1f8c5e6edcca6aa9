import {randomBytes} from 'node:crypto'
import path from 'node:path'
import {openArchive} from '../../archive.js'
import {CallrecCommand, EXIT_CODES_HELP} from '../../cli/base.js'
import {archiveArg, policyFlag} from '../../cli/flags.js'
import {actorFlag, reasonFlag} from '../../cli/journal-flags.js'
import {openJournal} from '../../journal/index.js'
import {stateOf} from '../../state/index.js'

export default class AccessLogRepair extends CallrecCommand {
  static summary = 'Move a damaged end of the journal aside, so that appends can go on; the repair is journaled.'
  static description = `A journal whose last line is not an entry (an append cut short by a crash or a full disk, or a line written by something else) takes no more entries: every command that would append refuses, and "access-log verify" reports it. This command moves those bytes, and only those, to a side file beside the journal (JOURNAL.damaged-TIME, kept as evidence), cuts the journal back to its last entry, and appends a "repair" entry with their size, SHA-256 and the side file's name. Damage anywhere but at the end is not repaired: that is tampering, which verify names.

${EXIT_CODES_HELP}`

  static examples = ['<%= config.bin %> <%= command.id %> ./archive --reason "power cut on 2026-11-22, ticket 5531"']

  static args = {archive: archiveArg}
  static flags = {policy: policyFlag, reason: reasonFlag, actor: actorFlag}

  async run(): Promise<{journal: string; repaired: boolean; savedTo?: string; bytes?: number; entry?: number}> {
    const {args, flags} = await this.parse(AccessLogRepair)
    const archive = await openArchive({location: args.archive, policy: flags.policy})
    const journal = await openJournal(archive, {actor: flags.actor})
    const side = (await stateOf(archive)).sideFile(`${path.basename(journal.file)}.damaged-${new Date().toISOString().replaceAll(':', '')}-${randomBytes(2).toString('hex')}`)
    const repaired = await journal.repair(side, {command: 'access-log repair', reason: flags.reason})
    if (!repaired) {
      if (!this.jsonEnabled()) this.log(`${journal.file}: not damaged; nothing to repair`)
      return {journal: journal.file, repaired: false}
    }
    const {damage, entry} = repaired
    if (!this.jsonEnabled()) this.log(`${journal.file}: ${damage.bytes} damaged bytes (${damage.why}) moved to ${side.name}; repair journaled as entry #${entry.seq}`)
    return {journal: journal.file, repaired: true, savedTo: side.name, bytes: damage.bytes, entry: entry.seq}
  }
}

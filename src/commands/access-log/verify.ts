import {openArchive} from '../../archive.js'
import {CallrecCommand, exitCodesHelp} from '../../cli/base.js'
import {archiveArg, policyFlag} from '../../cli/flags.js'
import {EXIT} from '../../errors.js'
import {readLines} from '../../journal/file.js'
import {journalPaths} from '../../journal/index.js'
import {verifyLines, type VerifyResult} from '../../journal/verify.js'

export default class AccessLogVerify extends CallrecCommand {
  static summary = 'Check the access journal: every entry unchanged, none removed, none inserted.'
  static description = `Recomputes each entry's SHA-256 and follows the chain from the first entry (or the last prune's checkpoint) to the last, and names each entry that was altered, removed or inserted. Exit 1 when the journal was tampered with.

The chain proves the journal was not edited in place; a rewrite of the whole file from some entry on shows only against a hash kept elsewhere: note the head hash this command prints (purge certificates carry it too).

${exitCodesHelp({findings: 'the journal does not verify: an entry altered, removed or inserted'})}`

  static examples = ['<%= config.bin %> <%= command.id %> ./archive', '<%= config.bin %> <%= command.id %> --json']

  static args = {archive: archiveArg}
  static flags = {policy: policyFlag}

  async run(): Promise<VerifyResult & {journal: string}> {
    const {args, flags} = await this.parse(AccessLogVerify)
    const archive = await openArchive({location: args.archive, policy: flags.policy})
    const {journal} = journalPaths(archive)
    const result = await verifyLines(readLines(journal))
    if (result.problems.length > 0) process.exitCode = EXIT.findings
    if (!this.jsonEnabled()) {
      for (const problem of result.problems) this.log(`${journal}:${problem.line}: ${problem.message}`)
      if (result.torn) this.log(`${journal}:${result.torn}: an append cut short by a crash (not an entry; the next append removes it)`)
      const span = result.entries === 0 ? 'no entries' : `${result.entries} entries, #${result.firstSeq} to #${result.lastSeq}${result.prunedThrough ? ` (pruned through #${result.prunedThrough})` : ''}`
      this.log(`${journal}: ${span}; ${result.problems.length === 0 ? 'chain intact' : `TAMPERED (${result.problems.length} problem${result.problems.length > 1 ? 's' : ''})`}${result.head ? `; head ${result.head}` : ''}`)
    }
    return {journal, ...result}
  }
}

import {Flags} from '@oclif/core'
import {openArchive} from '../../archive.js'
import {CallrecCommand, exitCodesHelp} from '../../cli/base.js'
import {archiveArg, policyFlag} from '../../cli/flags.js'
import {EXIT} from '../../errors.js'
import {parseHead} from '../../journal/file.js'
import {verifyJournal} from '../../journal/index.js'
import {readPublicKey} from '../../journal/sshsig.js'
import type {VerifyResult} from '../../journal/verify.js'

export default class AccessLogVerify extends CallrecCommand {
  static summary = 'Check the access journal: every entry unchanged, none removed, none inserted, nothing cut off.'
  static description = `Recomputes each entry's SHA-256 and follows the chain from the first entry (or the last prune's checkpoint) to the last, and names each entry that was altered, removed or inserted. It also checks:
- the head file beside the journal (FILE.head, rewritten on every append): a journal cut short, emptied or deleted no longer reaches it;
- a damaged end (an append cut short, a line that is not an entry): reported here, moved aside only by "callrec access-log repair";
- prune checkpoints: none may remove entries younger than 6 months before its own time, or younger than the last entry it removed (each entry carries the time of the one before it);
- the holds file: every hold has its journal entry, and no hold the journal says is in force is missing;
- with --head SEQ:HASH (printed by every purge and kept in its certificate): the journal still holds that entry, unchanged;
- with --pubkey FILE: the signed checkpoints (callrec access-log checkpoint --sign) verify, and there is at least one.

What each check catches and what it cannot: docs/purge.md, "How much the journal proves".

${exitCodesHelp({findings: 'the journal does not verify: an entry altered, removed or inserted'})}`

  static examples = [
    '<%= config.bin %> <%= command.id %> ./archive',
    {description: 'Against the head a certificate recorded:', command: "<%= config.bin %> <%= command.id %> --head \"$(jq -r .journal.head purge-2026-11-23.json)\""},
    {description: 'Against signed checkpoints:', command: '<%= config.bin %> <%= command.id %> --pubkey /etc/callrec/checkpoint.pub'},
  ]

  static args = {archive: archiveArg}
  static flags = {
    policy: policyFlag,
    head: Flags.string({multiple: true, description: 'A head noted earlier (SEQ:HASH, as purge prints it): fail unless the journal still extends it (repeatable).', helpValue: 'SEQ:HASH'}),
    pubkey: Flags.string({multiple: true, description: 'Ed25519 public key (OpenSSH line, allowed_signers line or PEM): signed checkpoints must verify with it (repeatable).', helpValue: 'FILE'}),
  }

  async run(): Promise<VerifyResult & {journal: string}> {
    const {args, flags} = await this.parse(AccessLogVerify)
    const archive = await openArchive({location: args.archive, policy: flags.policy})
    const pins = (flags.head ?? []).map((head) => parseHead(head, '--head'))
    const pubkeys = flags.pubkey && (await Promise.all(flags.pubkey.map(readPublicKey)))
    const result = await verifyJournal(archive, {pins, pubkeys})
    const {journal} = result
    if (result.problems.length > 0) process.exitCode = EXIT.findings
    if (!this.jsonEnabled()) {
      for (const problem of result.problems) this.log(`${journal}${problem.line > 0 ? `:${problem.line}` : ''}: ${problem.message}`)
      for (const pin of result.pins) this.log(`pinned head ${pin.head}: ${pin.found === 'yes' ? 'still in the journal' : 'pruned since (its checkpoint verifies)'}`)
      const signed = result.checkpoints.filter((checkpoint) => checkpoint.verified)
      if (pubkeys) this.log(`${signed.length} signed checkpoint${signed.length === 1 ? '' : 's'} verified${signed.length > 0 ? `, the last covering #${signed.at(-1)!.covers}` : ''}`)
      const span = result.entries === 0 ? 'no entries' : `${result.entries} entries, #${result.firstSeq} to #${result.lastSeq}${result.prunedThrough ? ` (pruned through #${result.prunedThrough})` : ''}`
      this.log(`${journal}: ${span}; ${result.problems.length === 0 ? 'chain intact' : `TAMPERED OR DAMAGED (${result.problems.length} problem${result.problems.length > 1 ? 's' : ''})`}${result.head ? `; head ${result.head}` : ''}`)
    }
    return result
  }
}

import {Flags} from '@oclif/core'
import {writeFile} from 'node:fs/promises'
import {openArchive} from '../../archive.js'
import {CallrecCommand, EXIT_CODES_HELP} from '../../cli/base.js'
import {archiveArg, policyFlag} from '../../cli/flags.js'
import {actorFlag} from '../../cli/journal-flags.js'
import {CallrecError, EXIT} from '../../errors.js'
import {formatHead, openJournal, verifyJournal} from '../../journal/index.js'
import {checkpointStatement, NAMESPACE, readSigningKey, sshSign} from '../../journal/sshsig.js'

export default class AccessLogCheckpoint extends CallrecCommand {
  static summary = 'Sign the journal\'s head with an Ed25519 key (OpenSSH SSHSIG): a checkpoint no one without the key can forge.'
  static description = `Verifies the journal, then signs a short statement naming its head (seq and hash) with the key of --sign, and appends it as a "checkpoint" entry. "access-log verify --pubkey KEY.pub" then checks every checkpoint; a journal rewritten before a checkpoint no longer matches its signature. Keep the key off the archive host (a DPO's or auditor's machine that mounts or copies the journal): a key the archive host holds signs whatever an intruder there wants.

The signature is OpenSSH's (namespace ${NAMESPACE}), so standard tools check it too: with -o FILE the statement goes to FILE and its signature to FILE.sig, and
  ssh-keygen -Y verify -f allowed_signers -I callrec -n ${NAMESPACE} -s FILE.sig < FILE
verifies it (allowed_signers holds "callrec ssh-ed25519 AAAA…").

Keys: ssh-keygen -t ed25519 -N '' -f checkpoint (OpenSSH, without passphrase) or openssl genpkey -algorithm ed25519 (PEM).

${EXIT_CODES_HELP}`

  static examples = [
    '<%= config.bin %> <%= command.id %> /mnt/recordings --sign ~/.ssh/callrec-checkpoint -o /srv/audit/checkpoint-$(date +%F).txt',
    '<%= config.bin %> access-log verify /mnt/recordings --pubkey ~/.ssh/callrec-checkpoint.pub',
  ]

  static args = {archive: archiveArg}
  static flags = {
    policy: policyFlag,
    sign: Flags.string({required: true, description: 'Ed25519 private key: OpenSSH format without passphrase, or PKCS#8 PEM.', helpValue: 'KEY'}),
    output: Flags.string({char: 'o', description: 'Also write the signed statement to FILE and its SSHSIG signature to FILE.sig, to keep apart.', helpValue: 'FILE'}),
    actor: actorFlag,
  }

  async run(): Promise<{journal: string; head: string; seq: number; fingerprint: string; statement: string; signature: string}> {
    const {args, flags} = await this.parse(AccessLogCheckpoint)
    const archive = await openArchive({location: args.archive, policy: flags.policy})
    const signer = await readSigningKey(flags.sign)
    const check = await verifyJournal(archive)
    if (check.problems.length > 0) throw new CallrecError(`${check.journal}: does not verify (${check.problems[0].message}); not signed (callrec access-log verify lists every problem)`, EXIT.findings)
    const journal = await openJournal(archive, {actor: flags.actor})
    let statement = ''
    let signature = ''
    let head = ''
    const [entry] = await journal.appendWith((last) => {
      const signedAt = new Date().toISOString()
      statement = checkpointStatement(last, signedAt)
      signature = sshSign(Buffer.from(statement), signer.key, signer.public)
      head = formatHead(last)
      return [{action: 'checkpoint', command: 'access-log checkpoint', keys: [], outcome: 'ok', details: {signedAt, statement, signature, namespace: NAMESPACE, key: signer.public.fingerprint}}]
    })
    if (flags.output) {
      await writeFile(flags.output, statement)
      await writeFile(`${flags.output}.sig`, signature)
    }
    if (!this.jsonEnabled()) {
      this.log(`${journal.file}: head ${head} signed by ${signer.public.fingerprint}; checkpoint entry #${entry.seq}`)
      if (flags.output) this.log(`statement ${flags.output}, signature ${flags.output}.sig`)
    }
    return {journal: journal.file, head, seq: entry.seq, fingerprint: signer.public.fingerprint, statement, signature}
  }
}

import {Flags} from '@oclif/core'
import type {Decrypter} from 'age-encryption'
import {openArchive, type Archive} from '../archive.js'
import {CallrecCommand, exitCodesHelp} from '../cli/base.js'
import {allowEmptyFlag, archiveArg, policyFlag} from '../cli/flags.js'
import {sweepTemps} from '../cli/sweep.js'
import {AgeSealer, decrypterFor, type Target} from '../crypto/age.js'
import {encryptKeys, journalLedger, type EncryptBatch} from '../crypto/encrypt-file.js'
import {readIdentities, readPassphrase} from '../crypto/identity.js'
import {planEncryption, type EncryptionPlan} from '../crypto/select.js'
import {CallrecError, errorMessage, EXIT} from '../errors.js'
import {JournalWriteError} from '../journal/file.js'
import {openJournal} from '../journal/index.js'
import {masker, type Masker} from '../output/personal.js'
import {printable} from '../output/printable.js'
import {stateOf} from '../state/index.js'
import {stopGently} from '../store/temp.js'
import {canAsk, confirm} from '../ui/confirm.js'
import {plural, progress} from '../ui/terminal.js'

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`

export default class Encrypt extends CallrecCommand {
  static summary = 'Encrypt every recording still in clear, in place, with age.'
  static description = `Encrypts to the recipients of the policy (encryption.recipients: age1… X25519 keys, age1pq1… hybrid post-quantum keys), so that the host running it needs public keys only; without recipients, to the passphrase of --passphrase-file. NAME.EXT becomes NAME.EXT.age, readable with callrec decrypt or age -d; sidecars stay readable for the audit. Recordings are told encrypted by their content, never their name: a second run does nothing.

Nothing is lost on a crash: the ciphertext goes to a temp file in the same folder and is fsynced, the journal records the SHA-256 of the plaintext and of the ciphertext, the ciphertext is renamed into place, its size and header are checked, and only then is the plaintext removed, if it is still the file that was read; a run killed at any point is finished by the next, which also removes the temp files of killed runs. A recording that changes while it is encrypted (still being recorded) is left in clear. NAME.age found beside NAME is removed as an interrupted run's leftover only when the journal names that very pair or it decrypts (--identity, or the passphrase) to NAME; otherwise both stay and the run exits 3. Folders are never followed through a symlink. Under a legal hold, recordings are kept in clear only when the policy says encryption.skipHeld.

Prints the plan; --dry-run stops there. On a terminal it asks; without one it needs --yes.

${exitCodesHelp({partial: 'some recordings could not be encrypted (I/O, permissions, changed while read) while the rest were', locked: true})}`

  static examples = [
    {description: 'See what would be encrypted:', command: '<%= config.bin %> <%= command.id %> ./archive --dry-run'},
    {description: 'In cron, to the policy\'s recipients:', command: '<%= config.bin %> <%= command.id %> /srv/recordings --yes'},
    {description: 'Only one month, to a passphrase (archive without recipients):', command: '<%= config.bin %> <%= command.id %> --key \'monitor/2026/05/**\' --passphrase-file /etc/callrec/passphrase --yes'},
  ]

  static args = {archive: archiveArg}

  static flags = {
    policy: policyFlag,
    key: Flags.string({multiple: true, helpValue: 'KEY|GLOB', description: 'Only recordings whose key (relative to the archive root) matches (repeatable). Default: all.'}),
    'passphrase-file': Flags.string({description: 'Encrypt to the passphrase on the first line of FILE (mode 0600), when the policy names no recipients.', helpValue: 'FILE'}),
    identity: Flags.string({char: 'i', multiple: true, description: 'Identity file (mode 0600) to check a NAME.age found beside NAME that the journal does not name.', helpValue: 'FILE'}),
    'dry-run': Flags.boolean({description: 'Print the plan and stop: nothing is changed.'}),
    yes: Flags.boolean({char: 'y', description: 'Encrypt without asking (cron). Without a terminal and without --yes, encrypt refuses (exit 2).'}),
    'allow-empty': allowEmptyFlag,
    concurrency: Flags.integer({min: 1, max: 64, default: 8, description: 'Recordings encrypted at once.'}),
    'show-personal': Flags.boolean({description: 'Show the phone numbers in keys in full, in the plan and the output.'}),
  }

  async run(): Promise<{plan: EncryptionPlan; result?: EncryptBatch; interrupted?: boolean; swept?: string[]}> {
    const {args, flags} = await this.parse(Encrypt)
    const archive = await openArchive({location: args.archive, policy: flags.policy})
    const sealer = new AgeSealer(await targetOf(archive, flags['passphrase-file']))
    const identities = (await Promise.all((flags.identity ?? []).map((file) => readIdentities(file)))).flat()
    const passphrases = 'passphrase' in sealer.target ? [sealer.target.passphrase] : []
    const decrypter = identities.length + passphrases.length > 0 ? decrypterFor(identities, passphrases) : undefined
    // One run at a time on an archive (cron overlapping itself, a purge): the second exits 4 at once.
    const lock = flags['dry-run'] ? undefined : await (await stateOf(archive)).tryRunLock(archive.root)
    try {
      const mask = masker(flags['show-personal'])
      const {plan, result, ...rest} = await this.encrypt(archive, sealer, decrypter, flags, mask)
      const pair = ({key, error}: {key: string; error: string}) => ({key: mask.key(key), error: mask.text(error, [key])})
      return {
        plan: {...plan, keys: plan.keys.map(mask.key), held: plan.held.map(mask.key), unnamed: plan.unnamed.map(mask.key), failed: plan.failed.map(pair)},
        ...(result ? {result: {results: result.results.map((item) => ({...item, key: mask.key(item.key)})), failures: result.failures.map(pair), skipped: result.skipped.map(mask.key)}} : {}),
        ...rest,
        ...(rest.swept ? {swept: rest.swept.map(mask.key)} : {}),
      }
    } finally {
      await lock?.release()
    }
  }

  private async encrypt(
    archive: Archive,
    sealer: AgeSealer,
    decrypter: Decrypter | undefined,
    flags: {key?: string[]; 'dry-run': boolean; yes: boolean; concurrency: number; 'allow-empty': boolean},
    mask: Masker,
  ): Promise<{plan: EncryptionPlan; result?: EncryptBatch; interrupted?: boolean; swept?: string[]}> {
    const swept = flags['dry-run'] ? [] : await sweepTemps(archive)
    for (const key of swept) this.log(printable(`removed ${mask.key(key)}, a temp file left by a killed run`))
    const spinner = progress(!this.jsonEnabled(), `Looking for recordings in clear in ${archive.root}`)
    const plan = await planEncryption(archive, {only: flags.key, today: new Date().toISOString().slice(0, 10), allowEmpty: flags['allow-empty']}).finally(() => spinner.stop())
    const to = 'recipients' in sealer.target ? `${sealer.target.recipients.length} recipient(s)` : 'a passphrase'
    this.log(`${plural(plan.keys.length, 'recording')} in clear (${MB(plan.bytes)}) to encrypt to ${to}; ${plan.encrypted} already encrypted`)
    for (const key of plan.held) this.log(printable(`kept in clear, under legal hold: ${mask.key(key)}`))
    for (const key of plan.unnamed.map(mask.key)) this.log(printable(`kept in clear: ${key}: audio without an audio extension; as ${key}.age it could not be told to be a recording (give it its extension: .wav, .mp3…)`))
    if (flags['dry-run'] || plan.keys.length === 0) for (const {key, error} of plan.failed) this.logToStderr(printable(`FAILED ${mask.key(key)}: ${mask.text(error, [key])}`))
    if (flags['dry-run']) {
      if (plan.failed.length > 0) process.exitCode = EXIT.partial
      return {plan}
    }
    const journal = await openJournal(archive)
    if (plan.keys.length === 0) {
      if (plan.failed.length > 0) {
        await journal.append({action: 'encrypt', command: 'encrypt', keys: plan.failed.map(({key}) => key), outcome: 'failed', details: {failed: plan.failed}})
        process.exitCode = EXIT.partial
      }
      return {plan, swept}
    }
    if (!flags.yes) {
      if (!canAsk()) throw new CallrecError(`refusing to encrypt ${plural(plan.keys.length, 'recording')} in place without confirmation: no terminal to ask on; add --yes (check first with --dry-run)`, EXIT.usage)
      if (!(await confirm(`Encrypt ${plural(plan.keys.length, 'recording')} (${MB(plan.bytes)}) in place?`))) throw new CallrecError('nothing encrypted: not confirmed', EXIT.usage)
    }

    // Ctrl-C: no new recording is started, those in flight finish; then exit 130. A second one stops at once,
    // removing the temp files being written.
    const interrupt = new AbortController()
    const gentle = stopGently(() => interrupt.abort())
    const bar = progress(!this.jsonEnabled(), 'Encrypting')
    // One journal entry per file (plaintext and ciphertext SHA-256), before its .age appears.
    // A journal that cannot take an entry stops the run: no .age, so no plaintext removed, without its entry.
    let journalFailure: unknown
    const journaled = journalLedger(journal, {to}, decrypter)
    const ledger = {
      ...journaled,
      record: (fact: Parameters<typeof journaled.record>[0]) =>
        journaled.record(fact).catch((error: unknown) => {
          journalFailure ??= error
          interrupt.abort()
          throw error
        }),
    }
    const result = await encryptKeys(archive.store, plan.keys, sealer, ledger, {
      concurrency: flags.concurrency,
      signal: interrupt.signal,
      onProgress: ({done, total}) => bar.update(`Encrypting: ${done}/${total}`),
    }).finally(() => {
      bar.stop()
      gentle()
    })
    result.failures.push(...plan.failed)
    const done = result.results.map((item) => item.key)
    if (journalFailure) {
      const lastSeq = journalFailure instanceof JournalWriteError ? journalFailure.lastDurable?.seq : undefined
      this.logToStderr(`STOPPED: ${errorMessage(journalFailure)}`)
      this.logToStderr(`  last journaled entry #${lastSeq ?? '?'}; ${done.length} recordings encrypted, each with its entry; ${result.failures.length + result.skipped.length} left in clear`)
    } else if (result.failures.length > 0 || result.skipped.length > 0) {
      await journal.append({
        action: 'encrypt',
        command: 'encrypt',
        keys: result.failures.map(({key}) => key),
        outcome: 'failed',
        details: {to, failed: result.failures, notStarted: result.skipped.length},
      })
    }

    const completed = result.results.filter((item) => item.action === 'completed').length
    this.log(`encrypted ${plural(done.length, 'recording')}${completed > 0 ? `, ${completed} of them left by an interrupted run` : ''}`)
    for (const {key, error} of result.failures) this.logToStderr(printable(`FAILED ${mask.key(key)}: ${mask.text(error, [key])}`))
    if (result.skipped.length > 0 && !journalFailure) this.logToStderr(`interrupted: ${result.skipped.length} recordings not started, still in clear`)
    if (journalFailure) process.exitCode = EXIT.partial
    else if (result.skipped.length > 0) process.exitCode = EXIT.interrupted
    else if (result.failures.length > 0) process.exitCode = EXIT.partial
    return {plan, result, swept, ...(result.skipped.length > 0 ? {interrupted: true} : {})}
  }
}

async function targetOf(archive: Archive, passphraseFile: string | undefined): Promise<Target> {
  const {recipients} = archive.policy.encryption
  if (recipients.length > 0) {
    if (passphraseFile !== undefined) throw new CallrecError(`--passphrase-file: the policy names recipients (encryption.recipients); recordings are encrypted to them`)
    return {recipients}
  }
  if (passphraseFile === undefined) throw new CallrecError(`no recipients in ${archive.policyFile ?? 'the policy (no callrec.yml)'} (encryption.recipients) and no --passphrase-file: nothing to encrypt to`)
  return {passphrase: await readPassphrase(passphraseFile)}
}

import {Flags} from '@oclif/core'
import type {Decrypter} from 'age-encryption'
import {chmod, mkdir} from 'node:fs/promises'
import path from 'node:path'
import {openArchive} from '../archive.js'
import {runAudit} from '../audit.js'
import {CallrecCommand, exitCodesHelp} from '../cli/base.js'
import {archiveArg, nowFlag, parseNow, policyFlag} from '../cli/flags.js'
import {actorFlag, reasonFlag} from '../cli/journal-flags.js'
import {CallrecError, errorMessage, EXIT} from '../errors.js'
import {numberHasher} from '../journal/hmac.js'
import {openJournal} from '../journal/index.js'
import {inside} from '../journal/paths.js'
import type {Recording} from '../model.js'
import {decrypterFor} from '../crypto/age.js'
import {decryptKey} from '../crypto/decrypt-file.js'
import {readIdentities, readPassphrase} from '../crypto/identity.js'
import {forDisplay, masker} from '../output/personal.js'
import {printable} from '../output/printable.js'
import {toE164} from '../probe/phone.js'
import {isParty} from '../purge/select.js'
import {activeHold} from '../rules/types.js'
import {LocalStore} from '../store/local.js'
import {plural, progress} from '../ui/terminal.js'

interface Match {
  key: string
  recordedAt?: string
  purpose?: string
  caller?: string
  callee?: string
  encrypted: boolean
  held: boolean
  sidecarKey?: string
}

export default class Find extends CallrecCommand {
  static summary = "Find every recording of one caller (a data subject's access request), and export copies."
  static description = `Matches the number as caller or callee in every source (sidecars, CDR, tags), each number read as E.164 with the policy's default country: "06 12 34 56 78", "+33612345678" and "0033612345678" are one number. The search is written to the access journal (the number only as its keyed HMAC, the keys masked beside their HMAC); --export copies each recording and its sidecar into DIR and journals the export, which needs --reason. Encrypted recordings are decrypted into DIR with -i IDENTITY (or --passphrase-file), each decryption journaled on its own, as callrec decrypt does.

Numbers are masked in the listing unless --show-personal is given.

${exitCodesHelp({partial: 'some recordings could not be exported (encrypted without -i, I/O) while the rest were'})}`

  static examples = [
    {description: 'List the recordings of one caller:', command: '<%= config.bin %> <%= command.id %> ./archive --caller "06 12 34 56 78"'},
    {description: 'Answer an access request:', command: '<%= config.bin %> <%= command.id %> --caller +33612345678 --export ./dsar-812 --reason "access request #812"'},
    {description: 'The same on an encrypted archive:', command: '<%= config.bin %> <%= command.id %> --caller +33612345678 --export ./dsar-812 -i ~/.config/callrec/dpo.key --reason "access request #812"'},
  ]

  static args = {archive: archiveArg}

  static flags = {
    policy: policyFlag,
    now: nowFlag,
    caller: Flags.string({required: true, description: 'The number, in any format.', helpValue: 'NUMBER'}),
    export: Flags.string({
      description: 'Copy each recording found, with its sidecar, into DIR (same layout as the archive; folders 0700, files 0600; existing files are never overwritten). Encrypted recordings are decrypted into it with -i.',
      helpValue: 'DIR',
      dependsOn: ['reason'],
    }),
    identity: Flags.string({char: 'i', multiple: true, description: 'Identity file (age-keygen format, mode 0600) to decrypt encrypted recordings into the export; repeatable.', helpValue: 'FILE', dependsOn: ['export']}),
    'passphrase-file': Flags.string({description: 'Passphrase on the first line of FILE (mode 0600), for recordings encrypted to a passphrase or a passphrase-protected identity.', helpValue: 'FILE', dependsOn: ['export']}),
    reason: reasonFlag,
    actor: actorFlag,
    'show-personal': Flags.boolean({description: 'Show caller and callee numbers in full.'}),
  }

  async run(): Promise<{matches: Match[]; exported?: string[]; refused?: {key: string; why: string}[]}> {
    const {args, flags} = await this.parse(Find)
    const archive = await openArchive({location: args.archive, policy: flags.policy})
    const now = parseNow(flags.now)
    const number = toE164(flags.caller, archive.policy.country)
    if (!number) throw new CallrecError(`--caller ${flags.caller}: not a phone number (country ${archive.policy.country} assumed for national numbers)`)
    const destination = flags.export === undefined ? undefined : exportFolder(archive.root, flags.export)
    if (flags.reason !== undefined && flags.reason.trim() === '') throw new CallrecError('--reason: say why the recordings are accessed')
    // Identities are read before the search: a bad key file fails at once, not after the scan.
    const decrypter = destination ? await decrypterOf(flags.identity, flags['passphrase-file']) : undefined
    const mask = masker(flags['show-personal'])

    const found: Recording[] = []
    const spinner = progress(!this.jsonEnabled(), `Searching ${archive.root}`)
    await runAudit(archive, {now, rules: []}, {recording: (recording) => void (isParty(recording, number, archive.policy.country) && found.push(recording))}).finally(() => spinner.stop())
    const matches = found.map((recording) => matchOf(recording, now.toISODate()!, flags['show-personal']))

    const journal = await openJournal(archive, {actor: flags.actor})
    const callerHmac = (await numberHasher(archive, {create: true}))!(number)
    // Keys go to the journal masked beside their HMAC (journal/entry-keys.ts), as in every entry.
    await journal.append({action: 'find', command: 'find', keys: found.map((recording) => recording.key), reason: flags.reason, outcome: 'ok', details: {callerHmac, matches: matches.length}})
    if (!this.jsonEnabled()) {
      if (matches.length === 0) this.log(`no recording of ${flags['show-personal'] ? number : 'this number'} in ${printable(archive.root)}`)
      for (const match of matches) {
        const notes = [match.encrypted && 'encrypted', match.held && 'on hold'].filter(Boolean).join(', ')
        this.log(printable(`${match.key}  ${match.recordedAt ?? 'no date'}  ${match.purpose ?? 'no purpose'}  ${match.caller ?? '?'} → ${match.callee ?? '?'}`) + (notes ? `  (${notes})` : ''))
      }
    }
    if (!destination) return {matches}

    // The copies are personal data outside the archive: a folder only its owner can enter, files only its owner can read.
    await mkdir(destination, {recursive: true, mode: 0o700})
    await chmod(destination, 0o700)
    const exported: string[] = []
    const copies: string[] = []
    const refused: {key: string; why: string}[] = []
    const notCopied: {key: string; why: string}[] = []
    const target = new LocalStore(destination)
    for (const recording of found) {
      const shown = mask.key(recording.key)
      try {
        await mkdir(path.join(destination, path.dirname(recording.key)), {recursive: true, mode: 0o700})
        if (recording.encrypted) {
          if (!decrypter) throw new Error('encrypted: give an identity (-i FILE) or --passphrase-file to decrypt it into the export')
          await decryptKey(archive.store, recording.key, {folder: path.join(destination, path.dirname(recording.key))}, {
            decrypter,
            journal,
            reason: flags.reason!,
            command: 'find',
            journalOutput: path.join(destination, recording.key.replace(/\.age$/i, '')),
            journalDetails: {callerHmac},
          })
        } else {
          await target.writeAtomic(recording.key, archive.store.createReadStream(recording.key), {exclusive: true, mode: 0o600})
        }
        if (recording.sidecarKey) await target.writeAtomic(recording.sidecarKey, archive.store.createReadStream(recording.sidecarKey), {exclusive: true, mode: 0o600})
        exported.push(shown)
        copies.push(recording.key)
      } catch (error) {
        notCopied.push({key: recording.key, why: errorMessage(error)})
        refused.push({key: shown, why: mask.text(errorMessage(error), [recording.key, destination])})
      }
    }
    await journal.append({
      action: 'export',
      command: 'find',
      keys: copies,
      reason: flags.reason,
      outcome: refused.length === 0 ? 'ok' : 'failed',
      details: {callerHmac, destination, refused: notCopied},
    })
    if (!this.jsonEnabled()) {
      this.log(`exported ${plural(exported.length, 'recording')} to ${printable(destination)}`)
      for (const {key, why} of refused) this.log(`NOT exported ${printable(key)}: ${printable(why)}`)
    }
    if (refused.length > 0) process.exitCode = EXIT.partial
    return {matches, exported, refused}
  }
}

/** The age decrypter of -i files and a passphrase file; undefined when neither is given (encrypted matches are then refused). */
async function decrypterOf(identityFiles: string[] | undefined, passphraseFile: string | undefined): Promise<Decrypter | undefined> {
  if (!identityFiles && passphraseFile === undefined) return undefined
  const passphrase = passphraseFile === undefined ? undefined : await readPassphrase(passphraseFile)
  const identities = (await Promise.all((identityFiles ?? []).map((file) => readIdentities(file, passphrase)))).flat()
  return decrypterFor(identities, passphrase === undefined ? [] : [passphrase])
}

function matchOf(recording: Recording, today: string, showPersonal: boolean): Match {
  const {fields, key, sidecarKey} = forDisplay(recording, showPersonal)
  return {
    key,
    recordedAt: fields.recordedAt?.value,
    purpose: fields.purpose?.value,
    caller: fields.caller?.value,
    callee: fields.callee?.value,
    encrypted: recording.encrypted,
    held: activeHold(recording, today),
    sidecarKey,
  }
}

/** Copies go outside the archive: inside, they would be recordings of the archive themselves. */
function exportFolder(root: string, folder: string): string {
  if (inside(root, folder) !== undefined) throw new CallrecError(`--export ${folder}: inside the archive; export to a folder outside it`)
  return path.resolve(folder)
}

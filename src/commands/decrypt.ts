import {Args, Flags} from '@oclif/core'
import {realpath, stat} from 'node:fs/promises'
import path from 'node:path'
import {findPolicyRoot, openArchive, type Archive} from '../archive.js'
import {CallrecCommand, exitCodesHelp} from '../cli/base.js'
import {actorFlag} from '../cli/journal-flags.js'
import {policyFlag} from '../cli/flags.js'
import {decrypterFor} from '../crypto/age.js'
import {decryptKey, type DecryptOutput} from '../crypto/decrypt-file.js'
import {AGE_SUFFIX} from '../crypto/encrypt-file.js'
import {readIdentities, readPassphrase} from '../crypto/identity.js'
import {CallrecError, EXIT, errorMessage} from '../errors.js'
import {openJournal} from '../journal/index.js'
import type {FileJournal} from '../journal/file.js'
import type {Lock} from '../journal/lock.js'
import {stateOf} from '../state/index.js'
import {printable} from '../output/printable.js'
import {LocalStore} from '../store/local.js'
import type {Store} from '../store/types.js'

interface Source {
  store: Store
  key: string
  /** As the journal names it: the key in the archive, or the absolute path of a file outside it. */
  journalKey: string
}

export default class Decrypt extends CallrecCommand {
  static summary = 'Decrypt recordings for someone allowed to hear them; every decryption is journaled.'
  static description = `FILE is an .age recording: a path, or a key of the archive (with or without .age). Its plaintext goes to a folder (-o DIR, mode 0600), to stdout (-o -, for a player: | ffplay -) or back in place (--in-place restores NAME.EXT and removes NAME.EXT.age). Files from age -e decrypt too, armored or not.

Every decryption is an access to personal data: --reason is mandatory, and each file gets an entry in the access journal (who, when, which recording, why, where to) before its first byte of plaintext leaves, and another if it then fails. A damaged file releases nothing past its last intact 64 KiB chunk, and leaves no output file behind.

Interrupted (Ctrl-C, SIGTERM), it removes the temp file it was writing: no partial plaintext is left; one left by a killed run (SIGKILL) is removed by the next decrypt to that folder, encrypt or purge.

Identity files (-i, age-keygen's format, or passphrase-protected) readable by group or others are refused, as ssh refuses such keys.

${exitCodesHelp({partial: 'some files could not be decrypted (wrong identity, damaged file, I/O) while the rest were', locked: true})}`

  static examples = [
    {description: 'Listen to one call:', command: '<%= config.bin %> <%= command.id %> monitor/2026/05/14/call.wav.age -i ~/.config/callrec/dpo.key --reason "complaint #4411" -o - | ffplay -nodisp -'},
    {description: 'Copies for a data-subject access request:', command: '<%= config.bin %> <%= command.id %> a.wav.age b.wav.age -i dpo.key --reason "DSAR 2026-014" -o ./dsar-2026-014'},
    {description: 'Back in clear, in place:', command: '<%= config.bin %> <%= command.id %> monitor/2026/05/14/call.wav -i dpo.key --reason "court order 26/118" --in-place'},
  ]

  static strict = false
  static args = {file: Args.string({required: true, description: 'An .age recording: a path, or a key of the archive. Several may follow.'})}

  static flags = {
    archive: Flags.string({description: 'Archive folder, for keys and the journal. Default: for a FILE path, the nearest folder up from it holding callrec.yml; for a key, the nearest up from here.', helpValue: 'DIR'}),
    policy: policyFlag,
    identity: Flags.string({char: 'i', multiple: true, description: 'Identity file (age-keygen format, mode 0600); repeatable.', helpValue: 'FILE'}),
    'passphrase-file': Flags.string({description: 'Passphrase on the first line of FILE (mode 0600): for recordings encrypted to a passphrase, and passphrase-protected identity files.', helpValue: 'FILE'}),
    reason: Flags.string({required: true, description: 'Why the recordings are accessed, as written in the access journal (a ticket, a request reference).', helpValue: 'TEXT'}),
    actor: actorFlag,
    output: Flags.string({char: 'o', description: 'Folder for the plaintext files, or - for stdout.', helpValue: 'DIR|-', exclusive: ['in-place']}),
    'in-place': Flags.boolean({description: 'Restore NAME.EXT next to NAME.EXT.age, then remove NAME.EXT.age.'}),
  }

  async run(): Promise<{decrypted: {key: string; output: string}[]; failed: {key: string; error: string}[]}> {
    const {argv, flags} = await this.parse(Decrypt)
    if (flags.reason.trim() === '') throw new CallrecError('--reason: say why the recordings are accessed')
    const output = await outputOf(flags.output, flags['in-place'], this.jsonEnabled())
    if (!flags.identity && !flags['passphrase-file']) throw new CallrecError('give an identity (-i FILE) or a --passphrase-file')
    const passphrase = flags['passphrase-file'] === undefined ? undefined : await readPassphrase(flags['passphrase-file'])
    const identities = (await Promise.all((flags.identity ?? []).map((file) => readIdentities(file, passphrase)))).flat()
    const decrypter = decrypterFor(identities, passphrase === undefined ? [] : [passphrase])
    // Each file's access goes to the journal of the archive that holds it, wherever this runs from.
    const files = argv as string[]
    const sessions = new Map<string, Session>()
    // Plaintext temp files a killed decrypt left where it writes (Ctrl-C removes its own; SIGKILL cannot).
    const sweep = async (store: LocalStore, folder: string) => {
      for (const key of await store.sweepTemps(folder, false)) this.logToStderr(`removed ${key}, a temp file left by a killed run`)
    }
    if ('folder' in output) await sweep(new LocalStore(output.folder), '')
    const decrypted: {key: string; output: string}[] = []
    const failed: {key: string; error: string}[] = []
    try {
      const archives = []
      for (const file of files) archives.push(await archiveOf(file, flags.archive, flags.policy, sessions, {inPlace: flags['in-place'], actor: flags.actor}))
      for (const [index, file] of files.entries()) {
        const {archive, journal} = archives[index]
        try {
          const source = await sourceOf(archive, file)
          if ('inPlace' in output && source.store instanceof LocalStore) await sweep(source.store, source.key.split('/').slice(0, -1).join('/'))
          // The journal stores the key masked beside its HMAC (journal/entry-keys.ts), as every entry.
          const target = await decryptKey(source.store, source.key, output, {decrypter, journal, reason: flags.reason, journalKey: source.journalKey})
          decrypted.push({key: source.journalKey, output: target})
          if (!('stream' in output)) this.log(printable(`${source.journalKey} → ${target}`))
        } catch (error) {
          failed.push({key: file, error: errorMessage(error)})
          this.logToStderr(printable(`FAILED ${file}: ${errorMessage(error)}`))
          if ('stream' in output) break // the rest would follow a truncated stream
        }
      }
    } finally {
      for (const session of sessions.values()) await (await session.catch(() => undefined))?.lock?.release()
    }
    if (failed.length > 0) process.exitCode = EXIT.partial
    return {decrypted, failed}
  }
}

async function outputOf(output: string | undefined, inPlace: boolean, json: boolean): Promise<DecryptOutput> {
  if (inPlace) return {inPlace: true}
  if (output === undefined) throw new CallrecError('say where the plaintext goes: -o DIR, -o - (stdout) or --in-place')
  if (output === '-') {
    if (json) throw new CallrecError('-o - writes audio to stdout: it cannot be combined with --json')
    if (process.stdout.isTTY) throw new CallrecError('-o -: stdout is a terminal; pipe it to a player (| ffplay -) or use -o DIR')
    return {stream: process.stdout}
  }
  const info = await stat(output).catch(() => undefined)
  if (!info?.isDirectory()) throw new CallrecError(`-o ${output}: not a folder`)
  return {folder: path.resolve(output)}
}

type Session = Promise<{archive: Archive; journal: FileJournal; lock?: Lock}>

/**
 * The archive of FILE: --archive, else the nearest folder up from the file holding callrec.yml, else (a key,
 * or a file in no archive) the one found from the current folder. One journal, and for --in-place one run
 * lock, per archive.
 */
async function archiveOf(file: string, location: string | undefined, policy: string | undefined, sessions: Map<string, Session>, options: {inPlace: boolean; actor?: string}): Session {
  let root = location
  if (root === undefined) {
    const found = (await Promise.all([file + AGE_SUFFIX, file].map(async (candidate) => ((await isFile(candidate)) ? candidate : undefined)))).find(Boolean)
    if (found) root = await findPolicyRoot(path.dirname(await realFolderOf(found)))
  }
  const key = root ?? ''
  if (!sessions.has(key)) {
    sessions.set(
      key,
      (async () => {
        const archive = await openArchive({location: root, policy})
        const journal = await openJournal(archive, {actor: options.actor})
        // In place changes the archive: not while an encrypt or a purge runs on it.
        const lock = options.inPlace ? await (await stateOf(archive)).tryRunLock(archive.root) : undefined
        return {archive, journal, lock}
      })(),
    )
  }
  return sessions.get(key)!
}

/** The file's path with its folder's real path (the file itself, maybe a symlink, is not followed). */
const realFolderOf = async (file: string) => path.join(await realpath(path.dirname(path.resolve(file))), path.basename(file))

const isFile = (file: string) => stat(file).then((info) => info.isFile(), () => false)

/** A path to a file (in the archive or not), else a key of the archive; NAME.EXT stands for NAME.EXT.age. */
async function sourceOf(archive: Archive, file: string): Promise<Source> {
  for (const candidate of file.endsWith(AGE_SUFFIX) ? [file] : [file + AGE_SUFFIX, file]) {
    if (await isFile(candidate)) {
      const absolute = await realFolderOf(candidate)
      const relative = path.relative(archive.store.localPath ? archive.store.location : archive.root, absolute)
      if (relative.startsWith('..') || path.isAbsolute(relative)) return {store: new LocalStore(path.dirname(absolute)), key: path.basename(absolute), journalKey: absolute}
      const key = relative.split(path.sep).join('/')
      return {store: archive.store, key, journalKey: key}
    }
    if (await archive.store.exists(candidate).catch(() => false)) return {store: archive.store, key: candidate, journalKey: candidate}
  }
  throw new CallrecError(`${file}: no such file, nor key in the archive ${archive.root}`, EXIT.partial)
}

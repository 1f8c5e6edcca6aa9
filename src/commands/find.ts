import {Flags} from '@oclif/core'
import {mkdir} from 'node:fs/promises'
import path from 'node:path'
import {openArchive} from '../archive.js'
import {runAudit} from '../audit.js'
import {CallrecCommand, EXIT_CODES_HELP} from '../cli/base.js'
import {allowEmptyFlag, archiveArg, nowFlag, parseNow, policyFlag} from '../cli/flags.js'
import {actorFlag, reasonFlag} from '../cli/journal-flags.js'
import {CallrecError, errorMessage, EXIT} from '../errors.js'
import {numberHasher} from '../journal/hmac.js'
import {openJournal} from '../journal/index.js'
import {inside} from '../journal/paths.js'
import type {Recording} from '../model.js'
import {forDisplay} from '../output/personal.js'
import {toE164} from '../probe/phone.js'
import {isParty} from '../purge/select.js'
import {activeHold} from '../rules/types.js'
import {LocalStore} from '../store/local.js'
import {progress} from '../ui/terminal.js'

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
  static description = `Matches the number as caller or callee in every source (sidecars, CDR, tags), each number read as E.164 with the policy's default country: "06 12 34 56 78", "+33612345678" and "0033612345678" are one number. The search is written to the access journal (the number only as its keyed HMAC); --export copies each recording and its sidecar into DIR and journals the export, which needs --reason.

Numbers are masked in the listing unless --show-personal is given.

${EXIT_CODES_HELP}`

  static examples = [
    {description: 'List the recordings of one caller:', command: '<%= config.bin %> <%= command.id %> ./archive --caller "06 12 34 56 78"'},
    {description: 'Answer an access request:', command: '<%= config.bin %> <%= command.id %> --caller +33612345678 --export ./dsar-812 --reason "access request #812"'},
  ]

  static args = {archive: archiveArg}

  static flags = {
    policy: policyFlag,
    now: nowFlag,
    'allow-empty': allowEmptyFlag,
    caller: Flags.string({required: true, description: 'The number, in any format.', helpValue: 'NUMBER'}),
    export: Flags.string({description: 'Copy each recording found, with its sidecar, into DIR (same layout as the archive; existing files are never overwritten).', helpValue: 'DIR', dependsOn: ['reason']}),
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

    const matches: Match[] = []
    const spinner = progress(!this.jsonEnabled(), `Searching ${archive.root}`)
    await runAudit(archive, {now, rules: [], allowEmpty: flags['allow-empty']}, {recording: (recording) => void (isParty(recording, number, archive.policy.country) && matches.push(matchOf(recording, now.toISODate()!, flags['show-personal'])))}).finally(() =>
      spinner.stop(),
    )

    const journal = await openJournal(archive, {actor: flags.actor})
    const callerHmac = (await numberHasher(archive, {create: true}))!(number)
    await journal.append({action: 'find', command: 'find', keys: matches.map((match) => match.key), reason: flags.reason, outcome: 'ok', details: {callerHmac, matches: matches.length}})
    if (!this.jsonEnabled()) {
      if (matches.length === 0) this.log(`no recording of ${flags['show-personal'] ? number : 'this number'} in ${archive.root}`)
      for (const match of matches) {
        const notes = [match.encrypted && 'encrypted', match.held && 'on hold'].filter(Boolean).join(', ')
        this.log(`${match.key}  ${match.recordedAt ?? 'no date'}  ${match.purpose ?? 'no purpose'}  ${match.caller ?? '?'} → ${match.callee ?? '?'}${notes ? `  (${notes})` : ''}`)
      }
    }
    if (!destination) return {matches}

    const exported: string[] = []
    const refused: {key: string; why: string}[] = []
    const target = new LocalStore(destination)
    for (const match of matches) {
      // Decrypting needs the age identities of src/crypto, not on this branch yet.
      if (match.encrypted) {
        refused.push({key: match.key, why: 'encrypted: export of encrypted recordings is not supported yet (decrypt it first with an authorised identity)'})
        continue
      }
      try {
        for (const key of [match.key, ...(match.sidecarKey ? [match.sidecarKey] : [])]) {
          await mkdir(path.join(destination, path.dirname(key)), {recursive: true})
          await target.writeAtomic(key, archive.store.createReadStream(key), {exclusive: true})
        }
        exported.push(match.key)
      } catch (error) {
        refused.push({key: match.key, why: errorMessage(error)})
      }
    }
    await journal.append({action: 'export', command: 'find', keys: exported, reason: flags.reason, outcome: refused.length === 0 ? 'ok' : 'failed', details: {callerHmac, destination, refused}})
    if (!this.jsonEnabled()) {
      this.log(`exported ${exported.length} recordings to ${destination}`)
      for (const {key, why} of refused) this.log(`NOT exported ${key}: ${why}`)
    }
    if (refused.length > 0) process.exitCode = EXIT.partial
    return {matches, exported, refused}
  }
}

function matchOf(recording: Recording, today: string, showPersonal: boolean): Match {
  const {fields} = forDisplay(recording, showPersonal)
  return {
    key: recording.key,
    recordedAt: fields.recordedAt?.value,
    purpose: fields.purpose?.value,
    caller: fields.caller?.value,
    callee: fields.callee?.value,
    encrypted: recording.encrypted,
    held: activeHold(recording, today),
    sidecarKey: recording.sidecarKey,
  }
}

/** Copies go outside the archive: inside, they would be recordings of the archive themselves. */
function exportFolder(root: string, folder: string): string {
  if (inside(root, folder) !== undefined) throw new CallrecError(`--export ${folder}: inside the archive; export to a folder outside it`)
  return path.resolve(folder)
}

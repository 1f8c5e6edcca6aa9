import {Flags} from '@oclif/core'
import {createHash, randomBytes} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {openArchive} from '../archive.js'
import {CallrecCommand, exitCodesHelp} from '../cli/base.js'
import {allowEmptyFlag, archiveArg, nowFlag, parseActNow, parseNow, policyFlag} from '../cli/flags.js'
import {sweepTemps} from '../cli/sweep.js'
import {actorFlag, reasonFlag} from '../cli/journal-flags.js'
import {CallrecError, EXIT} from '../errors.js'
import {numberHasher} from '../journal/hmac.js'
import {currentActor, formatHead, openJournal} from '../journal/index.js'
import {stateOf} from '../state/index.js'
import {toE164} from '../probe/phone.js'
import {byDestruction, certificatePath, maskPurgeFacts, writeCertificate} from '../purge/certificate.js'
import {executePurge, hasPendingRun, type PurgeResult} from '../purge/execute.js'
import {describePlan, formatBytes, planOf, type Plan} from '../purge/plan.js'
import {masker, type Masker} from '../output/personal.js'
import {printable} from '../output/printable.js'
import {DEFAULT_PURGE_RULES, ERASURE, PURGE_RULES, selectForPurge} from '../purge/select.js'
import type {VersionScope} from '../store/types.js'
import {canAsk, confirm} from '../ui/confirm.js'
import {plural, progress} from '../ui/terminal.js'

export default class Purge extends CallrecCommand {
  static summary = 'Delete what the policy says must go: past retention, or the caller objected; never what is on hold.'
  static description = `Selects what the audit finds retention-expired and caller-objected (choose with --rule), counted from the call's date, minus every recording under a legal hold (checked again right before each deletion). Prints the plan; --dry-run stops there. On a terminal it asks; without one it needs --yes.

Each deleted recording gets one entry in the access journal, with the size and SHA-256 of its files taken just before deletion, and goes with its sidecar and its .age form. --certificate writes a certificate of destruction (JSON or CSV) for every run, nothing due included: what was deleted, why, when, by whom, the journal entries that prove it, the journal head after the run (SEQ:HASH, also printed: "access-log verify --head" checks it later), --now, the SHA-256 of callrec.yml and callrec's version. A recording that had other hard links is listed as unlinked, not destroyed. Its path is checked before anything is deleted: the folder must exist and take a file, and the file must not exist (never overwritten).

Every deletion's entry is written and fsynced before the file goes. If the journal cannot take an entry (full disk, I/O error, read-only volume, damaged end), the run stops before its next deletion, exits 3 and says how far it got; the next run finishes.

Safe in cron: a second run on the same archive exits 4 at once; a run killed at any point is finished by the next one (a recording is either still there and still selected, or gone with its journal entry); a file that vanished meanwhile is not an error; nothing outside the archive root is touched, even if a folder is swapped for a symlink mid-run: each file is hashed and deleted through folders opened without symlinks, and only if it is still the file hashed. A file or folder that cannot be read or deleted is journaled and listed, the rest goes on, and the run exits 3. Folders it empties are removed (never the root). A --now later than the clock is refused unless --dry-run.

--caller erases every recording of one number (GDPR art. 17), except those under hold or kept for a legal obligation, each refusal journaled with its reason.

On S3 (s3://bucket/prefix) the same protocol deletes with DeleteObjects, up to 1,000 object versions a request. In a versioned bucket every version and delete marker of the recording and its sidecar goes (--versions all, the default), each by id, the ids in the journal and the certificate. S3 Object Lock (legal hold, GOVERNANCE or COMPLIANCE retention) is never bypassed: a locked recording is kept and named, and the run exits 3. A bucket whose versioning cannot be read is refused (exit 2) before the scan. See docs/s3.md.

${exitCodesHelp({partial: 'some recordings could not be deleted (I/O, permissions, S3 Object Lock) while the rest were; each failure is journaled', locked: true})}`

  static examples = [
    {description: 'See what would go:', command: '<%= config.bin %> <%= command.id %> ./archive --dry-run'},
    {description: 'In cron, with a certificate of destruction:', command: '<%= config.bin %> <%= command.id %> /srv/recordings --yes --certificate /var/lib/callrec/purge-$(date +%FT%H%M%S).json'},
    {description: 'Right to erasure of one caller:', command: '<%= config.bin %> <%= command.id %> --caller "06 12 34 56 78" --reason "erasure request #812" --yes'},
  ]

  static args = {archive: archiveArg}

  static flags = {
    policy: policyFlag,
    now: nowFlag,
    rule: Flags.string({multiple: true, options: [...PURGE_RULES], description: 'Only what this rule selects (repeatable). Default: retention-expired and caller-objected; empty-recording (audio with no samples) only when named.'}),
    caller: Flags.string({description: 'Every recording where this number is caller or callee (right to erasure), instead of the rules.', helpValue: 'NUMBER', exclusive: ['rule']}),
    'dry-run': Flags.boolean({description: 'Print the plan and stop: nothing is deleted, nothing journaled.'}),
    yes: Flags.boolean({char: 'y', description: 'Delete without asking (cron). Without a terminal and without --yes, purge refuses (exit 2).'}),
    certificate: Flags.string({
      description: 'Write a certificate of destruction to FILE (.json or .csv), for every run, nothing due included. Checked first: its folder must exist and be writable, FILE must not exist (never overwritten; exit 2).',
      helpValue: 'FILE',
      exclusive: ['dry-run'],
    }),
    reason: reasonFlag,
    actor: actorFlag,
    'show-personal': Flags.boolean({description: 'Show the phone numbers in keys in full, in the plan, the output and the certificate.'}),
    'allow-empty': allowEmptyFlag,
    versions: Flags.string({
      options: ['all', 'current'],
      default: 'all',
      description: 'In a versioned S3 bucket: delete every version and delete marker of each recording (erasure), or only its current version.',
    }),
    batch: Flags.integer({min: 1, max: 100_000, default: 500, hidden: true, description: 'Recordings per journal fsync.'}),
  }

  async run(): Promise<{plan: Plan; result?: PurgeResult; certificate?: string; head?: string; failed?: {key: string; error: string}[]}> {
    const {args, flags} = await this.parse(Purge)
    const archive = await openArchive({location: args.archive, policy: flags.policy})
    const policySha256 = await policyHash(archive.policyFile)
    // A future --now would delete what is still within retention: only a dry run may look ahead.
    const now = flags['dry-run'] ? parseNow(flags.now) : parseActNow(flags.now)
    if (flags.caller !== undefined && !toE164(flags.caller, archive.policy.country)) {
      throw new CallrecError(`--caller ${flags.caller}: not a phone number (country ${archive.policy.country} assumed for national numbers)`)
    }
    const certificate = flags.certificate === undefined ? undefined : await certificatePath(archive, flags.certificate)
    const versions = flags.versions as VersionScope
    // What the store already refuses (S3: versioning unreadable) is said now, before any scan or prompt.
    await archive.store.eraser?.({versions}).check()
    const lock = flags['dry-run'] ? undefined : await (await stateOf(archive)).tryRunLock(archive.root)
    try {
      const swept = flags['dry-run'] ? [] : await sweepTemps(archive)
      for (const key of swept) if (!this.jsonEnabled()) this.log(`removed ${key}, a temp file left by a killed run`)
      const spinner = progress(!this.jsonEnabled(), `Selecting in ${archive.root}`)
      const by = flags.caller === undefined ? {rules: flags.rule ?? [...DEFAULT_PURGE_RULES]} : {caller: flags.caller}
      const selection = await selectForPurge(archive, now, by, {allowEmpty: flags['allow-empty']}).finally(() => spinner.stop())
      const mask = masker(flags['show-personal'])
      const plan = planOf(selection, mask)
      if (!this.jsonEnabled()) this.log(describePlan(plan, archive.root))
      for (const {key, error} of selection.failed) this.logToStderr(`FAILED ${key}: ${error}`)
      if (flags['dry-run']) {
        if (selection.failed.length > 0) process.exitCode = EXIT.partial
        return {plan, failed: selection.failed}
      }

      const nothing = plan.recordings === 0 && !(await hasPendingRun(archive))
      if (!nothing && !flags.yes) {
        if (!canAsk()) throw new CallrecError(`refusing to delete ${plural(plan.recordings, 'recording')} without confirmation: no terminal to ask on; add --yes (check first with --dry-run)`, EXIT.usage)
        if (!(await confirm(`Delete ${plural(plan.recordings, 'recording')} (${formatBytes(plan.bytes)}) for good?`))) throw new CallrecError('nothing deleted: not confirmed', EXIT.usage)
      }
      const journal = await openJournal(archive, {actor: flags.actor})
      // A journal that cannot take entries (damaged) stops the run here, before anything is deleted.
      await journal.head()
      // A folder that cannot be listed may hold recordings due for deletion: a failure, journaled, never "nothing to do".
      if (selection.failed.length > 0) {
        await journal.appendAll(selection.failed.map(({key, error}) => ({action: 'purge', command: 'purge', keys: [key], reason: flags.reason, outcome: 'failed', details: {why: `not looked at: ${error}`}})))
        process.exitCode = EXIT.partial
      }
      const callerHmac = flags.caller === undefined ? undefined : (await numberHasher(archive, {create: true}))!(flags.caller)
      const refusals = [...selection.held, ...selection.refused]
      if (callerHmac && refusals.length > 0) {
        await journal.appendAll(refusals.map(({key, why}) => ({action: 'purge', command: 'purge', keys: [key], reason: flags.reason, outcome: 'refused', details: {rules: [ERASURE], callerHmac, why}})))
      }
      // Due but kept by S3 Object Lock: never forced, and not a success either (exit 3), as a refused deletion is.
      const locked = selection.held.filter((held) => held.objectLock).length

      const run = `${new Date().toISOString()}-${randomBytes(3).toString('hex')}`
      const startedAt = new Date().toISOString()
      let result: PurgeResult = {run, deleted: [], held: [], changed: [], vanished: [], failed: [], undone: [], journal: {file: journal.file}, removedFolders: []}
      if (!nothing) {
        const bar = progress(!this.jsonEnabled(), 'Deleting')
        result = await executePurge(archive, selection, {
          journal,
          lock: lock!,
          run,
          now,
          command: 'purge',
          reason: flags.reason,
          certificate,
          batchSize: flags.batch,
          versions,
          callerHmac,
          progress: (done, total) => bar.update(`Deleting: ${done}/${total}`),
        }).finally(() => bar.stop())
      }
      const head = await journal.head().then(formatHead, () => result.stopped?.head)
      result.journal.head = head
      if (certificate) {
        await writeCertificate(certificate, maskPurgeFacts({
          title: 'Certificate of destruction of call recordings',
          archive: archive.root,
          policy: archive.policyFile ?? 'CNIL defaults (no callrec.yml)',
          ...(policySha256 ? {policySha256} : {}),
          callrecVersion: this.config.version,
          run,
          now: now.toISO()!,
          startedAt,
          finishedAt: new Date().toISOString(),
          by: currentActor(flags.actor),
          selectedBy: flags.caller === undefined ? by.rules! : [ERASURE],
          reason: flags.reason,
          journal: result.journal,
          ...byDestruction(result.deleted),
          kept: [...result.held, ...result.changed, ...refusals],
          vanished: result.vanished,
          failed: [...selection.failed, ...result.failed],
          ...(result.stopped ? {stopped: result.stopped} : {}),
          ...(nothing ? {nothingDue: true} : {}),
        }, mask))
      }
      result.failed.unshift(...selection.failed)
      if (!this.jsonEnabled()) {
        const none = selection.failed.length > 0 ? 'nothing to delete in what could be read' : locked > 0 ? `nothing to delete; ${locked} due but kept by S3 Object Lock` : 'nothing to delete'
        this.log(nothing ? `${none}${head ? `\njournal head ${head}` : ''}${certificate ? `\ncertificate ${certificate}` : ''}` : describeResult(result, certificate, mask))
      }
      if (result.failed.length > 0 || result.stopped || locked > 0) process.exitCode = EXIT.partial
      return {plan, result: maskPurgeFacts(result, mask), certificate, head, ...(nothing ? {failed: selection.failed.map(({key, error}) => ({key: mask.key(key), error: mask.text(error, [key])}))} : {})}
    } finally {
      await lock?.release()
    }
  }
}

/** SHA-256 of the policy file's bytes: which rules the run applied, in the certificate. */
async function policyHash(file: string | undefined): Promise<string | undefined> {
  if (!file) return undefined
  return createHash('sha256').update(await readFile(file)).digest('hex')
}

function describeResult(result: PurgeResult, certificate: string | undefined, mask: Masker): string {
  const bytes = result.deleted.reduce((sum, deleted) => sum + deleted.files.reduce((total, file) => total + file.size, 0), 0)
  const finished = result.deleted.filter((deleted) => deleted.finished).length
  const lines = [`deleted ${plural(result.deleted.length, 'recording')} (${formatBytes(bytes)})${finished > 0 ? `, ${finished} of them left by an interrupted run` : ''}`]
  const {firstSeq, lastSeq, file} = result.journal
  if (firstSeq !== undefined) lines.push(`journal ${file} #${firstSeq} to #${lastSeq}`)
  const show = (key: string, why: string) => `${printable(mask.key(key))}: ${printable(mask.text(why, [key]))}`
  for (const {key, why} of [...result.held, ...result.changed]) lines.push(`kept ${show(key, why)}`)
  for (const {key, why} of result.undone) lines.push(`undone ${show(key, why)}`)
  if (result.vanished.length > 0) lines.push(`already gone: ${result.vanished.length}`)
  for (const folder of result.removedFolders) lines.push(`removed emptied folder ${printable(mask.key(folder))}`)
  for (const {key, error} of result.failed) lines.push(`FAILED ${show(key, error)}`)
  for (const item of byDestruction(result.deleted).unlinkedOnly) lines.push(`NOT DESTROYED ${printable(mask.key(item.key))}: unlinked, but ${item.links.map((file) => `${printable(mask.key(file.key))} has ${file.links - 1} other hard link(s)`).join(', ')}: its content survives there`)
  if (result.stopped) {
    const {error, lastSeq, notReached} = result.stopped
    lines.push(`STOPPED: ${error}`)
    lines.push(`  last journaled entry #${lastSeq ?? '?'}; ${plural(result.deleted.length, 'recording')} deleted (each with its entry); ${notReached} not reached, still there: the next run finishes once the journal takes entries again`)
  }
  if (result.journal.head) lines.push(`journal head ${result.journal.head}`)
  if (certificate) lines.push(`certificate ${certificate}`)
  return lines.join('\n')
}

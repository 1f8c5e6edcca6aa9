import {Flags} from '@oclif/core'
import {randomBytes} from 'node:crypto'
import {openArchive} from '../archive.js'
import {CallrecCommand, EXIT_CODES_HELP} from '../cli/base.js'
import {allowEmptyFlag, archiveArg, nowFlag, parseActNow, parseNow, policyFlag} from '../cli/flags.js'
import {sweepTemps} from '../cli/sweep.js'
import {actorFlag, reasonFlag} from '../cli/journal-flags.js'
import {CallrecError, EXIT} from '../errors.js'
import {numberHasher} from '../journal/hmac.js'
import {currentActor, journalPaths, openJournal} from '../journal/index.js'
import {tryLock} from '../journal/lock.js'
import {toE164} from '../probe/phone.js'
import {certificatePath, writeCertificate} from '../purge/certificate.js'
import {executePurge, hasPendingRun, type PurgeResult} from '../purge/execute.js'
import {describePlan, formatBytes, planOf, type Plan} from '../purge/plan.js'
import {ERASURE, PURGE_RULES, selectForPurge} from '../purge/select.js'
import type {VersionScope} from '../store/types.js'
import {canAsk, confirm} from '../ui/confirm.js'
import {progress} from '../ui/terminal.js'

export default class Purge extends CallrecCommand {
  static summary = 'Delete what the policy says must go: past retention, or the caller objected; never what is on hold.'
  static description = `Selects what the audit finds retention-expired and caller-objected (choose with --rule), counted from the call's date, minus every recording under a legal hold (checked again right before each deletion). Prints the plan; --dry-run stops there. On a terminal it asks; without one it needs --yes.

Each deleted recording gets one entry in the access journal, with the size and SHA-256 of its files taken just before deletion, and goes with its sidecar and its .age form. --certificate writes a certificate of destruction (JSON or CSV) naming what was deleted, why, when, by whom, and the journal entries that prove it.

Safe in cron: a second run on the same archive exits 4 at once; a run killed at any point is finished by the next one (a recording is either still there and still selected, or gone with its journal entry); a file that vanished meanwhile is not an error; nothing outside the archive root is touched, even if a folder is swapped for a symlink mid-run: each file is hashed and deleted through folders opened without symlinks, and only if it is still the file hashed. A file or folder that cannot be read or deleted is journaled and listed, the rest goes on, and the run exits 3. Folders it empties are removed (never the root). A --now later than the clock is refused unless --dry-run.

--caller erases every recording of one number (GDPR art. 17), except those under hold or kept for a legal obligation, each refusal journaled with its reason.

${EXIT_CODES_HELP}`

  static examples = [
    {description: 'See what would go:', command: '<%= config.bin %> <%= command.id %> ./archive --dry-run'},
    {description: 'In cron, with a certificate of destruction:', command: '<%= config.bin %> <%= command.id %> /srv/recordings --yes --certificate /var/lib/callrec/purge-$(date +%F).json'},
    {description: 'Right to erasure of one caller:', command: '<%= config.bin %> <%= command.id %> --caller "06 12 34 56 78" --reason "erasure request #812" --yes'},
  ]

  static args = {archive: archiveArg}

  static flags = {
    policy: policyFlag,
    now: nowFlag,
    rule: Flags.string({multiple: true, options: [...PURGE_RULES], description: 'Only what this rule selects (repeatable). Default: both.'}),
    caller: Flags.string({description: 'Every recording where this number is caller or callee (right to erasure), instead of the rules.', helpValue: 'NUMBER', exclusive: ['rule']}),
    'dry-run': Flags.boolean({description: 'Print the plan and stop: nothing is deleted, nothing journaled.'}),
    yes: Flags.boolean({char: 'y', description: 'Delete without asking (cron). Without a terminal and without --yes, purge refuses (exit 2).'}),
    certificate: Flags.string({description: 'Write a certificate of destruction to FILE (.json or .csv).', helpValue: 'FILE'}),
    reason: reasonFlag,
    actor: actorFlag,
    'allow-empty': allowEmptyFlag,
    versions: Flags.string({
      options: ['all', 'current'],
      default: 'all',
      description: 'In a versioned S3 bucket: delete every version and delete marker of each recording (erasure), or only its current version.',
    }),
    batch: Flags.integer({min: 1, max: 100_000, default: 500, hidden: true, description: 'Recordings per journal fsync.'}),
  }

  async run(): Promise<{plan: Plan; result?: PurgeResult; certificate?: string; failed?: {key: string; error: string}[]}> {
    const {args, flags} = await this.parse(Purge)
    const archive = await openArchive({location: args.archive, policy: flags.policy})
    // A future --now would delete what is still within retention: only a dry run may look ahead.
    const now = flags['dry-run'] ? parseNow(flags.now) : parseActNow(flags.now)
    if (flags.caller !== undefined && !toE164(flags.caller, archive.policy.country)) {
      throw new CallrecError(`--caller ${flags.caller}: not a phone number (country ${archive.policy.country} assumed for national numbers)`)
    }
    const certificate = flags.certificate === undefined ? undefined : certificatePath(archive, flags.certificate)
    const versions = flags.versions as VersionScope
    // What the store already refuses (S3: versioning unreadable) is said now, before any scan or prompt.
    await archive.store.eraser?.({versions}).check()
    const lock = flags['dry-run'] ? undefined : await tryLock(journalPaths(archive).archiveLock, archive.root)
    try {
      const swept = flags['dry-run'] ? [] : await sweepTemps(archive)
      for (const key of swept) if (!this.jsonEnabled()) this.log(`removed ${key}, a temp file left by a killed run`)
      const spinner = progress(!this.jsonEnabled(), `Selecting in ${archive.root}`)
      const by = flags.caller === undefined ? {rules: flags.rule ?? [...PURGE_RULES]} : {caller: flags.caller}
      const selection = await selectForPurge(archive, now, by, {allowEmpty: flags['allow-empty']}).finally(() => spinner.stop())
      const plan = planOf(selection)
      if (!this.jsonEnabled()) this.log(describePlan(plan, archive.root))
      for (const {key, error} of selection.failed) this.logToStderr(`FAILED ${key}: ${error}`)
      if (flags['dry-run']) {
        if (selection.failed.length > 0) process.exitCode = EXIT.partial
        return {plan, failed: selection.failed}
      }

      const nothing = plan.recordings === 0 && !(await hasPendingRun(archive))
      if (!nothing && !flags.yes) {
        if (!canAsk()) throw new CallrecError(`refusing to delete ${plan.recordings} recordings without confirmation: no terminal to ask on; add --yes (check first with --dry-run)`, EXIT.usage)
        if (!(await confirm(`Delete ${plan.recordings} recordings (${formatBytes(plan.bytes)}) for good?`))) throw new CallrecError('nothing deleted: not confirmed', EXIT.usage)
      }
      const journal = await openJournal(archive, {actor: flags.actor})
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
      if (locked > 0) process.exitCode = EXIT.partial
      if (nothing) {
        if (!this.jsonEnabled()) this.log(selection.failed.length > 0 ? 'nothing to delete in what could be read' : locked > 0 ? `nothing to delete; ${locked} due but kept by S3 Object Lock` : 'nothing to delete')
        return {plan, failed: selection.failed}
      }

      const run = `${new Date().toISOString()}-${randomBytes(3).toString('hex')}`
      const startedAt = new Date().toISOString()
      const bar = progress(!this.jsonEnabled(), 'Deleting')
      const result = await executePurge(archive, selection, {
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
      if (certificate) {
        await writeCertificate(certificate, {
          title: 'Certificate of destruction of call recordings',
          archive: archive.root,
          policy: archive.policyFile ?? 'CNIL defaults (no callrec.yml)',
          run,
          startedAt,
          finishedAt: new Date().toISOString(),
          by: currentActor(flags.actor),
          selectedBy: flags.caller === undefined ? by.rules! : [ERASURE],
          reason: flags.reason,
          journal: result.journal,
          deleted: result.deleted,
          kept: [...result.held, ...result.changed, ...refusals],
          vanished: result.vanished,
          failed: [...selection.failed, ...result.failed],
        })
      }
      result.failed.unshift(...selection.failed)
      if (!this.jsonEnabled()) this.log(describeResult(result, certificate))
      if (result.failed.length > 0 || locked > 0) process.exitCode = EXIT.partial
      return {plan, result, certificate}
    } finally {
      await lock?.release()
    }
  }
}

function describeResult(result: PurgeResult, certificate: string | undefined): string {
  const bytes = result.deleted.reduce((sum, deleted) => sum + deleted.files.reduce((total, file) => total + file.size, 0), 0)
  const finished = result.deleted.filter((deleted) => deleted.finished).length
  const lines = [`deleted ${result.deleted.length} recordings (${formatBytes(bytes)})${finished > 0 ? `, ${finished} of them left by an interrupted run` : ''}`]
  const {firstSeq, lastSeq, file} = result.journal
  if (firstSeq !== undefined) lines.push(`journal ${file} #${firstSeq} to #${lastSeq}`)
  for (const {key, why} of [...result.held, ...result.changed]) lines.push(`kept ${key}: ${why}`)
  for (const {key, why} of result.undone) lines.push(`undone ${key}: ${why}`)
  if (result.vanished.length > 0) lines.push(`already gone: ${result.vanished.length}`)
  for (const folder of result.removedFolders) lines.push(`removed emptied folder ${folder}`)
  for (const {key, error} of result.failed) lines.push(`FAILED ${key}: ${error}`)
  if (certificate) lines.push(`certificate ${certificate}`)
  return lines.join('\n')
}

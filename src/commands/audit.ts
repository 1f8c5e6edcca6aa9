import {Flags} from '@oclif/core'
import path from 'node:path'
import {failsAt, runAudit} from '../audit.js'
import {openArchive} from '../archive.js'
import {CallrecCommand, exitCodesHelp} from '../cli/base.js'
import {archiveArg, nowFlag, parseNow, policyFlag} from '../cli/flags.js'
import {CallrecError, EXIT} from '../errors.js'
import {journalAudit} from '../journal/index.js'
import {SEVERITIES, type Finding, type Recording, type Severity} from '../model.js'
import {AUDIT_FORMAT_IDS, auditFormat} from '../output/index.js'
import {collectResult, type AuditResult} from '../output/json.js'
import {explainRecording} from '../output/explain.js'
import {findingForDisplay, forDisplay} from '../output/personal.js'
import {printable} from '../output/printable.js'
import {ruleById} from '../rules/index.js'
import {progress, useColor, writerTo} from '../ui/terminal.js'

type ExplainResult = {recording: Recording; findings: Finding[]}

export default class Audit extends CallrecCommand {
  static summary = 'Check every recording of an archive against the policy.'
  static description = `Reads each recording's audio header, its sidecar JSON, the CDR index, its file name (the policy's filenames: templates first, then the FreePBX, 3CX, Amazon Connect, Oreka and Asterisk conventions) and tags, then the policy's classify: rules and defaults, and reports what breaks the policy: past retention, no notice record, no purpose, not encrypted, unreadable, empty, systematic recording. Retention runs from the call's date, never from the file's mtime unless nothing else gives one (and then the finding says so). Nothing is changed.

Caller and callee numbers are masked in the output unless --show-personal is given.

${exitCodesHelp({findings: 'findings at or above --fail-on (default: error)'})}`

  static examples = [
    {description: 'Audit the archive in ./archive (table on a terminal):', command: '<%= config.bin %> <%= command.id %> ./archive'},
    {
      description: 'Audit an archive in S3: credentials and region from the AWS chain, CALLREC_S3_ENDPOINT for an S3-compatible server:',
      command: '<%= config.bin %> <%= command.id %> s3://acme-calls/pbx1',
    },
    {description: 'One CSV row per finding, for a spreadsheet:', command: '<%= config.bin %> <%= command.id %> ./archive --format csv > findings.csv'},
    {description: 'Fail a cron job or CI only on errors past retention:', command: '<%= config.bin %> <%= command.id %> --rule retention-expired --fail-on error'},
    {description: 'Where every field of one recording came from:', command: '<%= config.bin %> <%= command.id %> --explain monitor/2026/05/14/in-0612345678-1001-20260514-103200-1715675520.17.wav'},
  ]

  static args = {archive: archiveArg}

  static flags = {
    policy: policyFlag,
    now: nowFlag,
    format: Flags.string({char: 'f', options: AUDIT_FORMAT_IDS, description: 'Output format. Default: table on a terminal, ndjson when piped.'}),
    'fail-on': Flags.string({options: [...SEVERITIES, 'never'], default: 'error', description: 'Exit 1 when a finding at or above this severity is found.'}),
    rule: Flags.string({multiple: true, helpValue: 'ID', description: 'Only this rule (repeatable). Default: all rules (`callrec rules` lists them).'}),
    explain: Flags.string({description: 'Show where every field of this recording (key relative to the archive root) came from, and its findings.', helpValue: 'KEY'}),
    'show-personal': Flags.boolean({description: 'Show caller and callee numbers in full.'}),
    timeout: Flags.integer({default: 5000, min: 100, description: 'Milliseconds allowed to parse one file before it is declared unreadable.'}),
    cache: Flags.boolean({
      default: true,
      allowNo: true,
      description: "Reuse what the last scan read of files unchanged since (size, mtime, ctime, inode), kept in the archive's .callrec/cache/; only for a local archive whose .callrec/ exists. --no-cache reads every file.",
    }),
  }

  async run(): Promise<AuditResult | ExplainResult | void> {
    const {args, flags} = await this.parse(Audit)
    const unknownRule = flags.rule?.find((id) => !ruleById(id))
    if (unknownRule) throw new CallrecError(`--rule ${unknownRule}: no such rule (\`callrec rules\` lists them)`)
    const archive = await openArchive({location: args.archive, policy: flags.policy})
    const options = {now: parseNow(flags.now), rules: flags.rule, timeoutMs: flags.timeout, cache: flags.cache}
    const showPersonal = flags['show-personal']
    const spinner = progress(!this.jsonEnabled(), `Auditing ${archive.root}`)

    const explain = flags.explain === undefined ? undefined : explainKeys(archive.root, flags.explain)
    if (this.jsonEnabled() || explain) {
      // --explain finds the recording by its real key, and masks what it shows.
      const collected = collectResult(showPersonal || Boolean(explain))
      let scanned = 0
      const summary = await runAudit(archive, {...options, select: explain ? (key) => explain.includes(key) : undefined}, {
        recording: (recording) => {
          spinner.update(`Auditing ${archive.root}: ${++scanned} recordings`)
          return collected.recording(recording)
        },
        finding: collected.finding,
      }).finally(() => spinner.stop())
      const found = explain && collected.result.recordings.find((candidate) => explain.includes(candidate.key))
      await journalAudit(archive, summary, found ? [found.key] : [])
      this.setExitCode(failsAt(summary, flags['fail-on'] as Severity))
      if (explain) return this.explain(flags.explain!, collected.result, showPersonal, this.jsonEnabled() ? 'return' : flags.format === 'json' ? 'print' : 'text')
      return {summary, ...collected.result}
    }

    const format = auditFormat(flags.format ?? (process.stdout.isTTY ? 'table' : 'ndjson'))
    const output = format.create(writerTo(process.stdout), {showPersonal, color: useColor()})
    let scanned = 0
    const summary = await runAudit(archive, options, {
      recording: (recording) => {
        spinner.update(`Auditing ${archive.root}: ${++scanned} recordings`)
        return output.recording?.(recording)
      },
      finding: (finding) => output.finding(finding),
    }).finally(() => spinner.stop())
    await journalAudit(archive, summary)
    await output.end(summary)
    this.setExitCode(failsAt(summary, flags['fail-on'] as Severity))
  }

  private explain(given: string, result: Omit<AuditResult, 'summary'>, showPersonal: boolean, mode: 'return' | 'print' | 'text'): ExplainResult | void {
    const recording = result.recordings[0]
    if (!recording) throw new CallrecError(`${printable(given)}: no such recording in the archive (a key relative to the archive root, or a path to a file in it)`)
    const explained = {recording: forDisplay(recording, showPersonal), findings: result.findings.filter((finding) => finding.key === recording.key).map((finding) => findingForDisplay(finding, showPersonal))}
    if (mode === 'return') return explained
    process.stdout.write(mode === 'print' ? JSON.stringify(explained, null, 2) + '\n' : explainRecording(explained.recording, explained.findings, useColor()))
  }

  private setExitCode(failed: boolean): void {
    if (failed) process.exitCode = EXIT.findings
  }
}

/**
 * The keys `--explain` may mean: the key itself, or, for a path to a file inside a local archive (absolute, or
 * relative to the current folder such as `fixtures/archive/monitor/…`), its key.
 */
function explainKeys(root: string, given: string): string[] {
  const keys = [given.replace(/^\.\//, '')]
  if (/^[a-z0-9]+:\/\//i.test(root)) return keys
  const relative = path.relative(root, path.resolve(given))
  if (relative && !relative.startsWith('..') && !path.isAbsolute(relative)) keys.push(relative.split(path.sep).join('/'))
  return keys
}

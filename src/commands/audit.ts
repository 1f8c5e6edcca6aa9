import {Flags} from '@oclif/core'
import {failsAt, runAudit} from '../audit.js'
import {openArchive} from '../archive.js'
import {CallrecCommand, EXIT_CODES_HELP} from '../cli/base.js'
import {allowEmptyFlag, archiveArg, nowFlag, parseNow, policyFlag} from '../cli/flags.js'
import {CallrecError, EXIT} from '../errors.js'
import {journalAudit} from '../journal/index.js'
import {SEVERITIES, type Finding, type Recording, type Severity} from '../model.js'
import {AUDIT_FORMAT_IDS, auditFormat} from '../output/index.js'
import {collectResult, type AuditResult} from '../output/json.js'
import {explainRecording} from '../output/explain.js'
import {ruleById} from '../rules/index.js'
import {progress, useColor, writerTo} from '../ui/terminal.js'

type ExplainResult = {recording: Recording; findings: Finding[]}

export default class Audit extends CallrecCommand {
  static summary = 'Check every recording of an archive against the policy.'
  static description = `Reads each recording's audio header, its sidecar JSON, the CDR index, its file name and tags, and reports what breaks the policy: past retention, no notice record, no purpose, not encrypted, unreadable, systematic recording. Retention runs from the call's date, never from the file's mtime unless nothing else gives one (and then the finding says so). Nothing is changed.

Caller and callee numbers are masked in the output unless --show-personal is given.

${EXIT_CODES_HELP}`

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
    'allow-empty': allowEmptyFlag,
    timeout: Flags.integer({default: 5000, min: 100, description: 'Milliseconds allowed to parse one file before it is declared unreadable.'}),
  }

  async run(): Promise<AuditResult | ExplainResult | void> {
    const {args, flags} = await this.parse(Audit)
    const unknownRule = flags.rule?.find((id) => !ruleById(id))
    if (unknownRule) throw new CallrecError(`--rule ${unknownRule}: no such rule (\`callrec rules\` lists them)`)
    const archive = await openArchive({location: args.archive, policy: flags.policy})
    const options = {now: parseNow(flags.now), rules: flags.rule, timeoutMs: flags.timeout, allowEmpty: flags['allow-empty']}
    const showPersonal = flags['show-personal']
    const spinner = progress(!this.jsonEnabled(), `Auditing ${archive.root}`)

    if (this.jsonEnabled() || flags.explain) {
      const collected = collectResult(showPersonal)
      let scanned = 0
      const summary = await runAudit(archive, {...options, ...(flags.explain ? {select: (key: string) => key === flags.explain, only: flags.explain} : {})}, {
        recording: (recording) => {
          spinner.update(`Auditing ${archive.root}: ${++scanned} recordings`)
          return collected.recording(recording)
        },
        finding: collected.finding,
      }).finally(() => spinner.stop())
      await journalAudit(archive, summary, flags.explain ? [flags.explain] : [])
      this.setExitCode(failsAt(summary, flags['fail-on'] as Severity))
      if (flags.explain) return this.explain(flags.explain, collected.result, this.jsonEnabled())
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

  private explain(key: string, result: Omit<AuditResult, 'summary'>, json: boolean): ExplainResult | void {
    const recording = result.recordings.find((candidate) => candidate.key === key)
    if (!recording) throw new CallrecError(`${key}: no such recording in the archive (keys are relative to the archive root)`)
    const findings = result.findings.filter((finding) => finding.key === key)
    if (json) return {recording, findings}
    process.stdout.write(explainRecording(recording, findings, useColor()))
  }

  private setExitCode(failed: boolean): void {
    if (failed) process.exitCode = EXIT.findings
  }
}

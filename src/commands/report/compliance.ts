import {Flags} from '@oclif/core'
import {runAudit, type AuditSummary} from '../../audit.js'
import {CallrecCommand, exitCodesHelp} from '../../cli/base.js'
import {allowEmptyFlag, archiveArg, archiveFlag, langFlag, nowFlag, outputFlag, parseNow, policyFlag} from '../../cli/flags.js'
import type {Write} from '../../output/types.js'
import {rowJoiner, verdictOf, type ComplianceRow, type Verdict} from '../../report/compliance.js'
import {COMPLIANCE_FORMATS} from '../../report/compliance-formats.js'
import {openReportArchive} from '../../report/open.js'
import type {Lang} from '../../report/register-labels.js'
import {openSink, writeTo} from '../../report/sink.js'
import {RULES} from '../../rules/index.js'
import {agentDays, type AgentDay} from '../../rules/systematic-recording.js'
import {CallrecError} from '../../errors.js'
import {findingForDisplay, maskKey} from '../../output/personal.js'
import {findingMessage} from '../../rules/text.js'
import {progress} from '../../ui/terminal.js'

interface ComplianceResult {
  rows: ComplianceRow[]
  verdict: Verdict
  summary: AuditSummary
}

export default class ReportCompliance extends CallrecCommand {
  static summary = 'Write a compliance report: a page to look at (HTML) or one verdict row per recording (CSV, JSON).'
  static description = `Audits the archive and writes, as HTML (the default): the headline verdict, findings per rule and severity, charts (recordings by age against their retention, per purpose, share encrypted, notice coverage, and the share of calls recorded per agent and day where the policy names a CDR), and every finding with its key. One self-contained file: no script, font or network; prints on A4.

With --format csv, one row per recording (kind "recording"): its verdict, each rule (yes when it found something), recordedAt and the source it came from, purpose, retention end, encrypted, legal hold; then one row per finding tied to no one recording (kind "finding": an orphan sidecar, a CDR row, an agent's day of systematic recording), its rule yes and its message. Rows are written as the audit goes and cells cannot run as spreadsheet formulas. --format json gives the same rows. Phone numbers in keys are masked unless --show-personal.

The HTML page goes to a file (-o FILE) or a pipe, never to a terminal.

${exitCodesHelp({})}`

  static examples = [
    {description: 'A page for the DPO:', command: '<%= config.bin %> <%= command.id %> ./archive -o compliance.html'},
    {description: 'One row per recording, for an auditor\'s spreadsheet:', command: '<%= config.bin %> <%= command.id %> --archive ./archive --format csv -o recordings.csv'},
    {description: 'In English, as of a given date:', command: '<%= config.bin %> <%= command.id %> ./archive --lang en --now 2026-11-23 -o report.html'},
  ]

  static args = {archive: archiveArg}

  static flags = {
    archive: archiveFlag,
    policy: policyFlag,
    now: nowFlag,
    'allow-empty': allowEmptyFlag,
    format: Flags.string({char: 'f', options: COMPLIANCE_FORMATS.map((format) => format.id), default: 'html', description: 'html (one self-contained page), csv (one row per recording, streamed) or json (the same rows).'}),
    output: outputFlag,
    lang: langFlag,
    'show-personal': Flags.boolean({description: 'Show the phone numbers in keys in full.'}),
  }

  async run(): Promise<ComplianceResult | void> {
    const {args, flags} = await this.parse(ReportCompliance)
    const archive = await openReportArchive({archive: flags.archive, arg: args.archive, policy: flags.policy})
    const {policy} = archive
    const now = parseNow(flags.now)
    const ruleIds = RULES.map((rule) => rule.meta.id)
    const json = this.jsonEnabled()
    const format = COMPLIANCE_FORMATS.find((candidate) => candidate.id === flags.format)!
    // A page of HTML is for a browser, not a terminal: say where it goes.
    if (!json && !flags.output && format.id === 'html' && process.stdout.isTTY) throw new CallrecError('the HTML report goes to a file: add -o FILE (or pipe it, or --format csv|json)')
    const sink = json ? undefined : await openSink(flags.output)
    const show = flags['show-personal']
    const lang = flags.lang as Lang

    const work = async (write?: Write): Promise<ComplianceResult | void> => {
      const rows: ComplianceRow[] = []
      const writer = write ? format.create(write, {policy, now, lang, ruleIds}) : undefined
      const joiner = rowJoiner(policy, now, ruleIds, async (row, recording) => {
        const shown = show ? row : {...row, key: maskKey(row.key)}
        return writer ? writer.row(shown, recording) : void rows.push(shown)
      })
      let days: AgentDay[] | undefined
      let scanned = 0
      const spinner = progress(!json, `Auditing ${archive.root}`)
      const summary = await runAudit(archive, {now, allowEmpty: flags['allow-empty']}, {
        recording: (recording) => {
          spinner.update(`Auditing ${archive.root}: ${++scanned} recordings`)
          return joiner.recording(recording)
        },
        finding: async (found) => {
          // Joined by its real key; shown masked, and in the report's language.
          const masked = findingForDisplay(found, show)
          const finding = {...found, message: findingMessage(masked, lang)}
          await joiner.finding(finding)
          await writer?.finding?.({...masked, message: finding.message})
        },
        // The agent/day chart: the systematic-recording rule's measure over what the audit saw.
        finish: (context) => {
          if (writer && format.charts && policy.cdr.length > 0) days = agentDays(context.cdr, policy, context.seenCallIds)
        },
      }).finally(() => spinner.stop())
      await joiner.end()
      if (!writer) return {rows, verdict: verdictOf(summary), summary}
      await writer.end(summary, {agentDays: days})
    }
    return sink ? writeTo(sink, work) : work()
  }
}

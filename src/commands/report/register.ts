import {Flags} from '@oclif/core'
import {runAudit} from '../../audit.js'
import {CallrecCommand, exitCodesHelp} from '../../cli/base.js'
import {allowEmptyFlag, archiveArg, archiveFlag, langFlag, nowFlag, outputFlag, parseNow, policyFlag} from '../../cli/flags.js'
import {EXIT} from '../../errors.js'
import {readJournal} from '../../journal/index.js'
import {CNIL_PURPOSES, DEFAULT_WORDS} from '../../policy/defaults.js'
import type {Policy} from '../../policy/schema.js'
import {lastPurge} from '../../report/last-purge.js'
import {openReportArchive} from '../../report/open.js'
import {buildRegister, measuredFacts, storageFact, type RegisterEntry} from '../../report/register.js'
import {REGISTER_FORMATS, type RegisterFormat} from '../../report/register-formats.js'
import {REGISTER_LABELS, type Lang} from '../../report/register-labels.js'
import {openSink, writeTo} from '../../report/sink.js'
import type {Write} from '../../output/types.js'
import {progress} from '../../ui/terminal.js'

export default class ReportRegister extends CallrecCommand {
  static summary = 'Write the GDPR art. 30 register entry for call recording, from the policy and a fresh audit.'
  static description = `Fills the CNIL register template's sections (controller, DPO, purposes and legal bases, data subjects and categories, retention, recipients, transfers, security measures, staff-council consultation, employee notice) from the policy's "register" facts, and adds what an audit of the archive measures: recordings, share encrypted, share with a notice record, oldest recording, findings per rule, last purge and its certificate, where the recordings are stored.

French by default (the CNIL's labels), English with --lang en. Mandatory fields the policy does not give are listed at the top of the report and make the command exit 1.

${exitCodesHelp({findings: 'mandatory register fields missing from the policy'})}`

  static examples = [
    {description: 'The register of the archive in ./archive, in Markdown:', command: '<%= config.bin %> <%= command.id %> ./archive'},
    {description: 'A printable page (open it in a browser, print to PDF):', command: '<%= config.bin %> <%= command.id %> --archive ./archive --format html -o register.html'},
    {description: 'In English, as of a given date, for a script:', command: '<%= config.bin %> <%= command.id %> ./archive --lang en --now 2026-11-23 --format json'},
  ]

  static args = {archive: archiveArg}

  static flags = {
    archive: archiveFlag,
    policy: policyFlag,
    now: nowFlag,
    'allow-empty': allowEmptyFlag,
    format: Flags.string({char: 'f', options: Object.keys(REGISTER_FORMATS), default: 'md', description: 'md (Markdown), html (one self-contained page, A4 print stylesheet) or json.'}),
    output: outputFlag,
    lang: langFlag,
  }

  async run(): Promise<RegisterEntry> {
    const {args, flags} = await this.parse(ReportRegister)
    const archive = await openReportArchive({archive: flags.archive, arg: args.archive, policy: flags.policy})
    // Opened first so that a bad -o fails before the audit runs.
    const sink = this.jsonEnabled() ? undefined : await openSink(flags.output)
    const work = async (write?: Write): Promise<RegisterEntry> => {
      const spinner = progress(!this.jsonEnabled(), `Auditing ${archive.root}`)
      const summary = await runAudit(archive, {now: parseNow(flags.now), allowEmpty: flags['allow-empty']}).finally(() => spinner.stop())
      const facts = measuredFacts(summary, storageFact(archive.store.location, await archive.store.describe?.(), archive.policy.storage?.country), await lastPurge(readJournal(archive)))
      const lang = flags.lang as Lang
      // Without a callrec.yml the purposes are callrec's own defaults: their words in the register's language.
      const policy = summary.policyFile ? archive.policy : {...archive.policy, purposes: defaultPurposes(lang)}
      const entry = buildRegister({
        policy,
        policyFile: summary.policyFile ?? REGISTER_LABELS[flags.lang as Lang].values.noPolicyFile,
        archive: archive.root,
        facts,
        lang,
        tool: `${this.config.name} ${this.config.version}`,
      })
      if (entry.missing.length > 0) {
        process.exitCode = EXIT.findings
        if (write) process.stderr.write(`callrec: ${entry.missing.length} mandatory register fields missing from the policy: ${entry.missing.map((field) => field.field).join(', ')}\n`)
      }
      await write?.(REGISTER_FORMATS[flags.format as RegisterFormat](entry))
      return entry
    }
    return sink ? writeTo(sink, work) : work()
  }
}

/** The CNIL default purposes with their reference in `lang` (no legal basis: that is the controller's to state). */
function defaultPurposes(lang: Lang): Policy['purposes'] {
  return Object.fromEntries(Object.entries(CNIL_PURPOSES).map(([name, purpose]) => [name, {...purpose, reference: DEFAULT_WORDS[name as keyof typeof CNIL_PURPOSES][lang].reference}])) as Policy['purposes']
}

import {Flags} from '@oclif/core'
import {DateTime} from 'luxon'
import {openArchive} from '../../archive.js'
import {CallrecCommand, exitCodesHelp} from '../../cli/base.js'
import {archiveArg, policyFlag} from '../../cli/flags.js'
import {EXPORT_FORMATS, entryWriter, type ExportFormat} from '../../journal/export.js'
import {keyForms, matches, parseInstant} from '../../journal/filter.js'
import {archiveKeyLookup, resolveEntry} from '../../journal/entry-keys.js'
import {keyHasher} from '../../journal/hmac.js'
import {readJournal, type JournalEntry} from '../../journal/index.js'
import {JOURNAL_ACTIONS} from '../../journal/types.js'
import {maskDeep, masker} from '../../output/personal.js'
import {writerTo} from '../../ui/terminal.js'

export default class AccessLogExport extends CallrecCommand {
  static summary = 'Export the access journal for an auditor: every access and change, who, when, why.'
  static description = `Entries oldest first. Caller numbers are never in the journal, only their keyed HMAC. The journal stores keys with the phone numbers that PBX file names carry masked (+336••••••78), each beside its keyed HMAC; --show-personal puts back in clear every key that names a file the archive holds now (its HMAC recomputed from the archive's current keys; a purged file's key stays masked: --key KEY finds its entries, and the entry's SHA-256 identifies the file). Entries written by earlier callrec versions hold keys in clear: masked here unless --show-personal. CSV opens safely in a spreadsheet: cells that would start a formula are neutralised, cells holding a separator or a line break are quoted.

${exitCodesHelp({})}`

  static examples = [
    {description: 'The last month as CSV:', command: '<%= config.bin %> <%= command.id %> ./archive --since 30d --format csv > journal.csv'},
    {description: 'Every decryption and export by one person:', command: '<%= config.bin %> <%= command.id %> --actor alice --action decrypt --action export'},
    {description: 'Every access to one recording:', command: '<%= config.bin %> <%= command.id %> --key monitor/2026/05/14/in-0612345678-1001.wav'},
  ]

  static args = {archive: archiveArg}

  static flags = {
    policy: policyFlag,
    format: Flags.string({char: 'f', options: [...EXPORT_FORMATS], default: 'ndjson', description: 'Output format.'}),
    since: Flags.string({description: 'Entries at or after this instant: ISO 8601, or a duration before now such as "30d".', helpValue: 'WHEN'}),
    until: Flags.string({description: 'Entries at or before this instant: ISO 8601, or a duration before now.', helpValue: 'WHEN'}),
    actor: Flags.string({description: 'Entries of this OS user or --actor name.', helpValue: 'NAME'}),
    action: Flags.string({multiple: true, options: [...JOURNAL_ACTIONS], description: 'Entries of this action (repeatable).'}),
    key: Flags.string({description: 'Entries about this recording (key relative to the archive root), in clear or encrypted (x.wav and x.wav.age alike), deleted or not.', helpValue: 'KEY'}),
    'show-personal': Flags.boolean({description: 'Show keys in full where the archive still holds their file (resolved through their HMAC).'}),
  }

  async run(): Promise<{entries: JournalEntry[]} | void> {
    const {args, flags} = await this.parse(AccessLogExport)
    const archive = await openArchive({location: args.archive, policy: flags.policy})
    const now = DateTime.utc()
    const wanted = {
      since: flags.since === undefined ? undefined : parseInstant(flags.since, now, '--since'),
      until: flags.until === undefined ? undefined : parseInstant(flags.until, now, '--until'),
      actor: flags.actor,
      actions: flags.action,
      key: flags.key,
    }
    const hmac = await keyHasher(archive, {create: false})
    const filter = {...wanted, keyHmacs: flags.key === undefined || !hmac ? undefined : keyForms(flags.key).map(hmac)}
    // --show-personal: keys in clear where a file of the archive has them now (entry-keys.ts).
    const lookup = flags['show-personal'] && hmac ? await archiveKeyLookup(archive.store, hmac) : undefined
    const shown = (entry: JournalEntry) => (lookup ? resolveEntry(entry, lookup) : maskDeep(entry, masker(false)))
    if (this.jsonEnabled()) {
      const entries: JournalEntry[] = []
      for await (const entry of readJournal(archive)) if (matches(entry, filter)) entries.push(shown(entry))
      return {entries}
    }
    const writer = entryWriter(flags.format as ExportFormat, writerTo(process.stdout))
    for await (const entry of readJournal(archive)) if (matches(entry, filter)) await writer.entry(shown(entry))
    await writer.end()
  }
}

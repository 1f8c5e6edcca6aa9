import {access} from 'node:fs/promises'
import path from 'node:path'
import {Flags} from '@oclif/core'
import {DateTime} from 'luxon'
import {CallrecCommand} from '../cli/base.js'
import {archiveArg, archiveFlag} from '../cli/flags.js'
import {CallrecError, EXIT} from '../errors.js'
import {detectLayout, type Layout} from '../init/detect.js'
import {describeCoverage, proposeClassify} from '../init/infer.js'
import {defaultAnswers, policyText} from '../init/policy-file.js'
import {askAnswers} from '../init/wizard.js'
import {POLICY_FILE} from '../policy/load.js'
import {openSink, writeTo} from '../report/sink.js'
import type {Lang} from '../report/register-labels.js'
import {LocalStore} from '../store/local.js'
import {isStoreUrl, openStore} from '../store/index.js'

export default class Init extends CallrecCommand {
  static summary = 'Write a commented callrec.yml: organisation, DPO, purposes with CNIL retentions, PBX, CDR, encryption, journal.'
  static description = `Asks, on a terminal, for what the policy needs, offering the CNIL's default retentions and what it finds in the archive: the PBX whose file-name convention most recordings follow (FreePBX, 3CX, Amazon Connect, Oreka, Asterisk), an Asterisk Master.csv, and naming templates (filenames:) inferred from the names no built-in pattern reads, so that every recording is dated from its name. It says which pattern or template dates how many of the names sampled (2000, drawn evenly from the first 200,000 listed) and lists those nothing dates.

It asks for the country of the numbers, the default purpose and whether the PBX tells every caller that calls are recorded (defaults.purpose, defaults.noticePlayed), and proposes classify: rules from the call types, queues and numbers it sees. The file it writes is checked by the same loader as every run, and a comment explains each field and lists the register facts still to give.

--defaults writes the same without asking (and is needed without a terminal): defaults: and the classify: proposals are written commented out, for you to decide. An existing policy is never overwritten without --force.`

  static examples = [
    {description: 'Answer the questions, for the archive in ./archive:', command: '<%= config.bin %> <%= command.id %> ./archive'},
    {description: 'In a script: CNIL defaults and what the archive shows, no questions:', command: '<%= config.bin %> <%= command.id %> --archive ./archive --defaults'},
  ]

  static args = {archive: {...archiveArg, description: 'The archive folder to write the policy for. Default: the current folder.'}}

  static flags = {
    archive: archiveFlag,
    defaults: Flags.boolean({description: 'Do not ask: write the CNIL defaults and what was detected in the archive.'}),
    force: Flags.boolean({description: 'Overwrite an existing policy file.'}),
    output: Flags.string({char: 'o', description: `Policy file to write. Default: ${POLICY_FILE} in the archive folder.`, helpValue: 'FILE'}),
    lang: Flags.string({options: ['fr', 'en'], default: 'fr', description: 'Language of the words init writes for the register (legal bases, references, data subjects): the language of your register.'}),
  }

  async run(): Promise<{file: string; layout: Layout}> {
    const {args, flags} = await this.parse(Init)
    const location = flags.archive ?? args.archive ?? '.'
    // A bucket's policy goes into the bucket (s3://bucket/prefix/callrec.yml) unless --output says otherwise.
    const store = isStoreUrl(location) ? await openStore(location) : new LocalStore(path.resolve(location))
    const inStore = isStoreUrl(location) && !flags.output
    const file = flags.output ? path.resolve(flags.output) : inStore ? `${store.location}/${POLICY_FILE}` : path.join(store.location, POLICY_FILE)
    // Checked before any question: nobody should answer ten questions to be told the file exists.
    const exists = inStore ? await store.exists(POLICY_FILE) : await access(file).then(() => true, () => false)
    if (!flags.force && exists) throw new CallrecError(`${file}: already exists (--force overwrites it)`)
    if (!flags.defaults && !(process.stdin.isTTY && process.stdout.isTTY)) throw new CallrecError('not a terminal: use --defaults to write the policy without questions')

    const layout = await detectLayout(store).catch((error: NodeJS.ErrnoException) => {
      throw new CallrecError(`${store.location}: cannot read the archive (${error.code ?? error.message})`)
    })
    const defaults = defaultAnswers(DateTime.now().toISODate()!, {
      software: layout.pbx?.name,
      cdr: layout.cdr,
      filenames: layout.names.templates.map(({template}) => template),
      classifyProposals: proposeClassify(layout.names),
      namesCoverage: describeCoverage(layout.names),
    }, flags.lang as Lang)
    // Said before any question: the answers depend on it (a purpose for what the names cannot tell).
    if (!this.jsonEnabled()) this.logToStderr(defaults.namesCoverage!.join('\n'))
    const answers = flags.defaults
      ? defaults
      : await askAnswers(defaults, layout).catch((error: Error) => {
          // Ctrl-C in a prompt: inquirer's ExitPromptError.
          throw error.name === 'ExitPromptError' ? new CallrecError('interrupted: nothing written', EXIT.interrupted) : error
        })
    const text = policyText(answers, file)
    if (inStore) {
      await store.writeAtomic(POLICY_FILE, Buffer.from(text), {exclusive: !flags.force}).catch((error: NodeJS.ErrnoException) => {
        throw new CallrecError(error.code === 'EEXIST' ? `${file}: already exists (--force overwrites it)` : `${file}: cannot write (${error.code ?? error.message})`)
      })
    } else await writeTo(await openSink(file, {exclusive: !flags.force}), async (write) => write(text))
    if (!this.jsonEnabled()) this.log(`Wrote ${file}${layout.pbx ? ` (PBX: ${layout.pbx.name})` : ''}. \`callrec report register\` lists what the register still needs.`)
    return {file, layout}
  }
}

import {Command, Flags} from '@oclif/core'
import {CallrecError, errorMessage, EXIT} from '../errors.js'
import {printable} from '../output/printable.js'
import {closest} from './suggest.js'

/**
 * A command's EXIT CODES section: only the codes it can return. 0, 2 (usage) and 130 are every command's; 3 is
 * also any unexpected I/O error; 1 and 4 only where the command has findings or takes the archive's lock.
 */
export function exitCodesHelp(codes: {findings?: string; partial?: string; locked?: boolean} = {}): string {
  return [
    'EXIT CODES',
    '  0  done',
    ...(codes.findings ? [`  1  ${codes.findings}`] : []),
    '  2  usage or configuration error (bad flag, invalid callrec.yml, refusal to act without --yes)',
    `  3  ${codes.partial ?? 'an I/O error (a file that could not be read or written)'}`,
    ...(codes.locked ? ["  4  another callrec run holds the archive's lock"] : []),
    '  130 interrupted',
  ].join('\n')
}

/** Every code of the CLI, for the README and the top-level help. */
export const EXIT_CODES_HELP = `EXIT CODES
  0  done, nothing at or above --fail-on
  1  findings at or above --fail-on (default: error)
  2  usage or configuration error (bad flag, invalid callrec.yml, refusal to act without --yes)
  3  the operation failed on some items (I/O, permissions) while the rest completed
  4  another callrec run holds the archive's lock
  130 interrupted`

/**
 * Every callrec command: `--json` (oclif), `--verbose`, and errors as one line naming the file and what is
 * wrong, with the exit codes of EXIT_CODES_HELP. A stack trace only with --verbose.
 */
export abstract class CallrecCommand extends Command {
  static enableJsonFlag = true
  static baseFlags = {
    verbose: Flags.boolean({description: 'Print stack traces of errors.', helpGroup: 'GLOBAL'}),
  }

  protected async catch(error: Error & {oclif?: {exit?: number}; code?: string; flags?: string[]}): Promise<void> {
    // this.exit() speaks for itself.
    if (!(error instanceof CallrecError) && error.code === 'EEXIT') return super.catch(error)
    // oclif's parse errors (unknown flag, bad option, missing argument): one line, as every other error, not the whole help.
    const usage = !(error instanceof CallrecError) && error.oclif !== undefined
    const exitCode = error instanceof CallrecError ? error.exitCode : usage ? EXIT.usage : EXIT.partial
    process.exitCode = exitCode
    const message = printable(usage ? this.usageMessage(error) : errorMessage(error))
    if (this.jsonEnabled()) {
      this.logJson({error: {message, exitCode}})
      return
    }
    const verbose = this.argv.includes('--verbose')
    process.stderr.write(`callrec: ${message}${!verbose && !(error instanceof CallrecError) && !usage ? ' (--verbose for details)' : ''}\n`)
    if (verbose && error.stack) process.stderr.write(error.stack + '\n')
  }

  /** oclif's message on one line, with the flag that was probably meant, and where the help is. */
  private usageMessage(error: Error & {flags?: string[]}): string {
    const first = error.message
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !/^See more help with --help$|^The following errors? occurred:$/.test(line))
      .join('; ')
    const known = Object.entries(this.ctor.flags ?? {}).map(([name]) => `--${name}`)
    const meant = error.flags?.length === 1 ? closest(error.flags[0].split('=')[0], known) : undefined
    return `${first}${meant ? `; did you mean ${meant}?` : ''} (\`callrec ${this.id?.replaceAll(':', ' ') ?? ''} --help\`)`
  }
}

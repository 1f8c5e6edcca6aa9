import {Command, Flags} from '@oclif/core'
import {CallrecError, errorMessage, EXIT} from '../errors.js'

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

  protected async catch(error: Error & {oclif?: {exit?: number}; code?: string}): Promise<void> {
    // oclif's own parse errors and this.exit() already speak for themselves.
    if (!(error instanceof CallrecError) && (error.oclif || error.code === 'EEXIT')) return super.catch(error)
    const exitCode = error instanceof CallrecError ? error.exitCode : EXIT.partial
    process.exitCode = exitCode
    const message = errorMessage(error)
    if (this.jsonEnabled()) {
      this.logJson({error: {message, exitCode}})
      return
    }
    const verbose = this.argv.includes('--verbose')
    process.stderr.write(`callrec: ${message}${!verbose && !(error instanceof CallrecError) ? ' (--verbose for details)' : ''}\n`)
    if (verbose && error.stack) process.stderr.write(error.stack + '\n')
  }
}

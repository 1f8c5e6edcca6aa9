import {Args, Flags} from '@oclif/core'
import {DateTime} from 'luxon'
import {CallrecError} from '../errors.js'

/** The archive: a folder or s3://bucket/prefix; without it, the nearest folder up holding callrec.yml, as git finds its repository. */
export const archiveArg = Args.string({
  name: 'archive',
  description: 'Archive: a folder or s3://bucket/prefix. Default: the nearest folder up from here that holds callrec.yml; without one, refused (exit 2).',
})

export const policyFlag = Flags.string({
  char: 'p',
  description: 'Policy file. Default: callrec.yml at the archive root; without one, CNIL defaults apply.',
  helpValue: 'FILE',
})

export const nowFlag = Flags.string({
  description: 'Audit as of this instant (ISO 8601), for reproducible reports and tests. Default: now.',
  helpValue: 'ISO',
})

export function parseNow(text: string | undefined): DateTime {
  if (!text) return DateTime.utc()
  const now = DateTime.fromISO(text, {zone: 'utc'})
  if (!now.isValid) throw new CallrecError(`--now ${text}: not an ISO 8601 date or date-time`)
  return now
}

/** How far --now may run ahead of the clock for a command that deletes: a minute of clock skew, no more. */
const AHEAD_MS = 60_000

/**
 * --now for a command that deletes or rewrites: a date later than the clock would make recordings (or entries)
 * still within retention look due, so it is refused (exit 2). An earlier one only keeps more.
 */
export function parseActNow(text: string | undefined, flag = '--now'): DateTime {
  const now = parseNow(text)
  if (now.toMillis() > Date.now() + AHEAD_MS) {
    throw new CallrecError(`${flag} ${text}: later than the clock (${DateTime.utc().toISO()}); a command that deletes never acts as of a future date (add --dry-run to see that plan)`)
  }
  return now
}

/** The same archive as the argument, for commands whose reports read better with a named flag. */
export const archiveFlag = Flags.string({
  description: 'Archive folder (same as the argument). Default: the folder of --policy, else as for the argument.',
  helpValue: 'PATH',
})

export const outputFlag = Flags.string({
  char: 'o',
  description: 'Write to FILE (through a temp file and a rename: never half-written) instead of stdout.',
  helpValue: 'FILE',
})

/** A listing that finds no recording is an error (a wrong prefix, an unmounted folder) unless this says it may be empty. */
export const allowEmptyFlag = Flags.boolean({description: 'Accept an archive in which no recording is found (otherwise exit 2: a wrong prefix or an unmounted folder).'})

export const langFlag = Flags.string({options: ['fr', 'en'], default: 'fr', description: 'Language of the report: French (the CNIL template) or English.'})

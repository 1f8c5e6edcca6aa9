import {Args, Flags} from '@oclif/core'
import type {Archive} from '../archive.js'
import {CallrecError} from '../errors.js'
import {canonicalMatch, type HoldMatch} from '../holds/index.js'
import {numberHasher} from '../journal/hmac.js'
import {checkKey} from '../store/keys.js'
import type {Masker} from '../output/personal.js'

// What a hold covers, for `hold add` and `hold release`: one recording, a glob of keys, every call of a
// number, or one call id.
export const holdArgs = {key: Args.string({description: 'The recording (key relative to the archive root).'})}

export const holdFlags = {
  glob: Flags.string({description: 'Every recording whose key matches this glob (picomatch: `sales/2026/**`).', helpValue: 'GLOB'}),
  caller: Flags.string({description: 'Every recording where this number is caller or callee (any format; the policy country applies). Stored as a keyed HMAC.', helpValue: 'NUMBER'}),
  'call-id': Flags.string({description: 'The recording of this call id (PBX uniqueid).', helpValue: 'ID'}),
  'show-personal': Flags.boolean({description: 'Show the phone numbers in keys, globs and reasons in full.'}),
}

export async function holdMatchOf(archive: Archive, key: string | undefined, flags: {glob?: string; caller?: string; 'call-id'?: string}, create: boolean): Promise<HoldMatch> {
  const given = [key, flags.glob, flags.caller, flags['call-id']].filter((value) => value !== undefined)
  if (given.length !== 1) throw new CallrecError('name exactly one of: KEY, --glob, --caller, --call-id')
  if (key !== undefined) {
    try {
      checkKey(key)
    } catch (error) {
      throw new CallrecError((error as Error).message)
    }
    return canonicalMatch(archive, {key})
  }
  if (flags.glob !== undefined) return canonicalMatch(archive, {glob: flags.glob})
  if (flags['call-id'] !== undefined) return {callId: flags['call-id']}
  const hasher = await numberHasher(archive, {create})
  const caller = hasher?.(flags.caller!)
  if (!hasher) throw new CallrecError(`no hold names a caller yet (no HMAC key): nothing to match ${flags.caller}`)
  if (!caller) throw new CallrecError(`--caller ${flags.caller}: not a phone number (country ${archive.policy.country} assumed for national numbers)`)
  return {caller}
}

/** A match as journal details: a caller only as its HMAC, named so. */
export function matchDetails(match: HoldMatch): Record<string, string> {
  return 'caller' in match ? {callerHmac: match.caller} : match
}

/** How a hold's match reads in a list or a message; a caller only as the start of its HMAC. */
/** A hold's match as shown: the numbers in its key or glob masked (callers are only ever an HMAC). */
export function shownMatch(match: HoldMatch, mask: Masker): HoldMatch {
  if ('key' in match) return {key: mask.key(match.key)}
  if ('glob' in match) return {glob: mask.text(match.glob)}
  return match
}

export function describeMatch(match: HoldMatch): string {
  if ('key' in match) return match.key
  if ('glob' in match) return `glob ${match.glob}`
  if ('callId' in match) return `call id ${match.callId}`
  return `caller (HMAC ${match.caller.slice(0, 12)}…)`
}

import {amazonConnect} from './amazon-connect.js'
import {freepbx} from './freepbx.js'
import {mixmonitor} from './mixmonitor.js'
import {oreka} from './oreka.js'
import type {CompiledTemplate} from './template.js'
import {threecx} from './threecx.js'
import type {FilenamePattern, NameFacts} from './types.js'

/** Tried in this order, the first match wins: the bare Asterisk uniqueid form is the loosest, so it comes last. */
export const FILENAME_PATTERNS: FilenamePattern[] = [freepbx, threecx, amazonConnect, oreka, mixmonitor]

type NameMatch = {pattern: string; facts: NameFacts}

/**
 * The facts the first matching pattern reads from a key; an encrypted copy (`….wav.age`) matches like its plaintext.
 * The policy's naming templates come first: they describe this PBX, the built-in patterns PBXs in general.
 * Callers must not change what it returns: the last keys' matches are shared (see `recent`).
 */
export function matchFilename(key: string, templates: readonly CompiledTemplate[] = NO_TEMPLATES): NameMatch | undefined {
  const set = templates.length === 0 ? NO_TEMPLATES : templates
  let memo = recent.get(set)
  if (!memo) recent.set(set, (memo = new Map()))
  if (memo.has(key)) return memo.get(key)
  if (memo.size >= 64) memo.clear()
  const found = firstMatch(key, set)
  memo.set(key, found)
  return found
}

const NO_TEMPLATES: readonly CompiledTemplate[] = []
// A recording's key is matched by the scan, then again to mask the numbers in each of its findings: the last few
// matches are kept, per set of templates.
const recent = new WeakMap<readonly CompiledTemplate[], Map<string, NameMatch | undefined>>()

function firstMatch(key: string, templates: readonly CompiledTemplate[]): NameMatch | undefined {
  const plain = key.replace(/\.age$/i, '')
  for (const template of templates) {
    const facts = template.match(plain)
    if (facts) return {pattern: template.id, facts}
  }
  for (const pattern of FILENAME_PATTERNS) {
    const facts = pattern.match(plain)
    if (facts) return {pattern: pattern.id, facts}
  }
  return undefined
}

import {amazonConnect} from './amazon-connect.js'
import {freepbx} from './freepbx.js'
import {mixmonitor} from './mixmonitor.js'
import {oreka} from './oreka.js'
import type {CompiledTemplate} from './template.js'
import {threecx} from './threecx.js'
import type {FilenamePattern, NameFacts} from './types.js'

/** Tried in this order, the first match wins: the bare Asterisk uniqueid form is the loosest, so it comes last. */
export const FILENAME_PATTERNS: FilenamePattern[] = [freepbx, threecx, amazonConnect, oreka, mixmonitor]

/**
 * The facts the first matching pattern reads from a key; an encrypted copy (`….wav.age`) matches like its plaintext.
 * The policy's naming templates come first: they describe this PBX, the built-in patterns PBXs in general.
 */
export function matchFilename(key: string, templates: readonly CompiledTemplate[] = []): {pattern: string; facts: NameFacts} | undefined {
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

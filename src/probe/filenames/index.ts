// TEMPORARY stub until the pbx branch lands.
import type {FilenamePattern, NameFacts} from './types.js'
export const FILENAME_PATTERNS: FilenamePattern[] = []
export function matchFilename(key: string): {pattern: string; facts: NameFacts} | undefined {
  for (const pattern of FILENAME_PATTERNS) {
    const facts = pattern.match(key)
    if (facts) return {pattern: pattern.id, facts}
  }
  return undefined
}

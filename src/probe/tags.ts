import type {IAudioMetadata} from 'music-metadata'
import {FIELD_NAMES} from './fields.js'

// Call facts written into the audio file itself: a tag named after a field (ID3 `TXXX:purpose`, Vorbis
// `PURPOSE`, RIFF INFO or BWF ids), or `key=value` pairs in a comment (`purpose=quality; noticePlayed=yes`).
const BY_LOWER_NAME = new Map(FIELD_NAMES.map((name) => [name.toLowerCase(), name]))
const COMMENT_IDS = new Set(['comment', 'comm', 'icmt', 'bext.description', 'description'])
const PAIR = /([A-Za-z]+)\s*[=:]\s*([^;,\n]+)/g

export interface TagFacts {
  raw: Record<string, string>
  /** Where each field was found: `ID3v2.4:TXXX:purpose`. */
  refs: Record<string, string>
}

export function readCallTags(metadata: IAudioMetadata): TagFacts {
  const facts: TagFacts = {raw: {}, refs: {}}
  const put = (field: string | undefined, value: unknown, ref: string) => {
    if (!field || facts.raw[field] !== undefined || typeof value !== 'string' || value.trim() === '') return
    facts.raw[field] = value.trim()
    facts.refs[field] = ref
  }
  for (const [format, tags] of Object.entries(metadata.native)) {
    for (const {id, value} of tags) {
      const text = typeof value === 'string' ? value : (value as {text?: string})?.text
      const bare = id.replace(/^TXXX:/i, '').replace(/[^a-z.]/gi, '').toLowerCase()
      if (COMMENT_IDS.has(bare) && text) {
        for (const [, key, pairValue] of text.matchAll(PAIR)) put(BY_LOWER_NAME.get(key.toLowerCase()), pairValue, `${format}:${id}`)
      } else {
        put(BY_LOWER_NAME.get(bare.replace(/^bext\./, '')), text, `${format}:${id}`)
      }
    }
  }
  return facts
}

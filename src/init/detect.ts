import {matchFilename} from '../probe/filenames/index.js'
import {inferNames, type NameCoverage} from './infer.js'
import type {CdrFileConfig} from '../policy/schema.js'
import type {Store} from '../store/types.js'

/** The PBX file-name conventions callrec reads, by the pattern id of src/probe/filenames/. */
const PBX_NAMES: Record<string, string> = {
  freepbx: 'FreePBX',
  '3cx': '3CX',
  'amazon-connect': 'Amazon Connect',
  oreka: 'Oreka',
  'asterisk-mixmonitor': 'Asterisk (MixMonitor)',
}

export interface Layout {
  /** The convention most file names follow, if any. */
  pbx?: {id: string; name: string; matched: number; seen: number}
  /** An Asterisk cdr_csv file found in the archive. */
  cdr?: CdrFileConfig
  /** Naming templates inferred from the sampled names, and what each pattern reads. */
  names: NameCoverage
}

/** Enough names to tell a layout and infer its templates; an archive can hold millions. */
const SAMPLE = 2000
/** Names listed at most to draw the sample from: listing is cheap, but not free on millions of files. */
const LISTED = 200_000
const AUDIO = /\.(wav|mp3|gsm|ogg|opus|flac|m4a|wav49|sln)(\.age)?$/i

/**
 * Guesses the PBX from the archive's file names (the probe's own patterns), infers naming templates for the names
 * no pattern reads, and finds an Asterisk Master.csv. The names are a uniform sample (reservoir sampling, fixed seed:
 * the same archive gives the same policy) of the first 200,000 listed, so that a listing sorted by name (dates,
 * uniqueids first, odd names last) does not hide the names that differ.
 */
export async function detectLayout(store: Store, match: typeof matchFilename = matchFilename): Promise<Layout> {
  let listed = 0
  let cdr: CdrFileConfig | undefined
  const sampled: string[] = []
  const random = seeded(0x5eed)
  for await (const folder of store.list()) {
    for (const key of folder.keys) {
      if (/(^|\/)Master\.csv$/i.test(key)) cdr ??= {path: key, format: 'asterisk-csv'}
      if (!AUDIO.test(key) || listed >= LISTED) continue
      listed++
      if (sampled.length < SAMPLE) sampled.push(key)
      else {
        const slot = Math.floor(random() * listed)
        if (slot < SAMPLE) sampled[slot] = key
      }
    }
    if (listed >= LISTED && cdr) break
  }
  sampled.sort()
  const counts = new Map<string, number>()
  for (const key of sampled) {
    const pattern = match(key)?.pattern
    if (pattern) counts.set(pattern, (counts.get(pattern) ?? 0) + 1)
  }
  const [id, matched] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? []
  return {...(id ? {pbx: {id, name: PBX_NAMES[id] ?? id, matched: matched!, seen: sampled.length}} : {}), ...(cdr ? {cdr} : {}), names: inferNames(sampled)}
}

/** A small deterministic generator (mulberry32): init's sample, and so its policy, do not change from run to run. */
function seeded(seed: number): () => number {
  let state = seed
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

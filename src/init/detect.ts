import {matchFilename} from '../probe/filenames/index.js'
import {inferNames, type NameCoverage} from './infer.js'
import type {CdrConfig} from '../policy/schema.js'
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
  cdr?: CdrConfig
  /** Naming templates inferred from the sampled names, and what each pattern reads. */
  names: NameCoverage
}

/** Enough names to tell a layout and infer its templates; an archive can hold millions. */
const SAMPLE = 2000
const AUDIO = /\.(wav|mp3|gsm|ogg|opus|flac|m4a|wav49|sln)(\.age)?$/i

/**
 * Guesses the PBX from the archive's file names (the probe's own patterns), infers naming templates for the names
 * no pattern reads, and finds an Asterisk Master.csv. The sample is the first names in listing order.
 */
export async function detectLayout(store: Store, match: typeof matchFilename = matchFilename): Promise<Layout> {
  const counts = new Map<string, number>()
  let seen = 0
  let cdr: CdrConfig | undefined
  const sampled: string[] = []
  for await (const folder of store.list()) {
    for (const key of folder.keys) {
      if (/(^|\/)Master\.csv$/i.test(key)) cdr ??= {path: key, format: 'asterisk-csv'}
      if (!AUDIO.test(key) || seen >= SAMPLE) continue
      seen++
      sampled.push(key)
      const pattern = match(key)?.pattern
      if (pattern) counts.set(pattern, (counts.get(pattern) ?? 0) + 1)
    }
    if (seen >= SAMPLE && cdr) break
  }
  const [id, matched] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? []
  return {...(id ? {pbx: {id, name: PBX_NAMES[id] ?? id, matched: matched!, seen}} : {}), ...(cdr ? {cdr} : {}), names: inferNames(sampled)}
}

import {matchFilename} from '../probe/filenames/index.js'
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
}

/** Enough names to tell a layout; an archive can hold millions. */
const SAMPLE = 500
const AUDIO = /\.(wav|mp3|gsm|ogg|opus|flac|m4a|wav49|sln)(\.age)?$/i

/** Guesses the PBX from the archive's file names (the probe's own patterns) and finds an Asterisk Master.csv. */
export async function detectLayout(store: Store, match: typeof matchFilename = matchFilename): Promise<Layout> {
  const counts = new Map<string, number>()
  let seen = 0
  let cdr: CdrFileConfig | undefined
  for await (const folder of store.list()) {
    for (const key of folder.keys) {
      if (/(^|\/)Master\.csv$/i.test(key)) cdr ??= {path: key, format: 'asterisk-csv'}
      if (!AUDIO.test(key) || seen >= SAMPLE) continue
      seen++
      const pattern = match(key)?.pattern
      if (pattern) counts.set(pattern, (counts.get(pattern) ?? 0) + 1)
    }
    if (seen >= SAMPLE && cdr) break
  }
  const [id, matched] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? []
  return {...(id ? {pbx: {id, name: PBX_NAMES[id] ?? id, matched: matched!, seen}} : {}), ...(cdr ? {cdr} : {})}
}

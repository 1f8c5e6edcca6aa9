// Archives for the purge, hold and journal tests: recordings with sidecars, some past retention.
import {mkdirSync, readdirSync, statSync, utimesSync} from 'node:fs'
import path from 'node:path'
import {wav, type ArchiveFiles} from '../helpers.ts'

export const NOW = '2026-11-23T00:00:00Z'
/** Quality recordings keep 6 months: this one is past retention on NOW, the next one is not. */
export const OLD = '2025-01-10T09:30:00+01:00'
export const RECENT = '2026-10-01T09:30:00+02:00'

/** `count` recordings `calls/NNNN.wav`, each with a sidecar; `old(i)` says which are past retention. */
export function recordings(count: number, old: (i: number) => boolean, extra: (i: number) => object = () => ({})): ArchiveFiles {
  const files: ArchiveFiles = {}
  for (let i = 0; i < count; i++) {
    const name = `calls/${String(i).padStart(4, '0')}`
    files[`${name}.wav`] = wav(0.05)
    files[`${name}.json`] = {recordedAt: old(i) ? OLD : RECENT, purpose: 'quality', noticePlayed: true, callId: `17000000${i}.1`, ...extra(i)}
  }
  return files
}

/** Every file under `dir`, relative, hidden ones (.callrec) left out. */
export function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), {withFileTypes: true}).flatMap((entry) => {
    if (entry.name.startsWith('.')) return []
    const key = prefix ? `${prefix}/${entry.name}` : entry.name
    return entry.isDirectory() ? listFiles(dir, key) : [key]
  })
}

/** A lock left by a killed run goes stale after 10 s: age it instead of waiting. */
export function ageLocks(dir: string): void {
  const state = path.join(dir, '.callrec')
  mkdirSync(state, {recursive: true})
  const past = new Date(Date.now() - 60_000)
  for (const name of readdirSync(state)) if (name.endsWith('.lock') && statSync(path.join(state, name)).isDirectory()) utimesSync(path.join(state, name), past, past)
}

/** A WAV whose RIFF INFO comment carries call facts (`caller=…`), as some PBXs write them. */
export function wavWithComment(comment: string): Buffer {
  const base = wav(0.05)
  const text = Buffer.from(comment + '\0', 'latin1')
  const padded = text.length % 2 ? Buffer.concat([text, Buffer.alloc(1)]) : text
  const icmt = Buffer.concat([Buffer.from('ICMT', 'latin1'), u32(text.length), padded])
  const list = Buffer.concat([Buffer.from('LIST', 'latin1'), u32(4 + icmt.length), Buffer.from('INFO', 'latin1'), icmt])
  const out = Buffer.concat([base, list])
  out.writeUInt32LE(out.length - 8, 4)
  return out
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32LE(value)
  return bytes
}

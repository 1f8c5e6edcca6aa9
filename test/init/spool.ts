// A generated Asterisk spool named in its dialplan, shaped like a production one: several MixMonitor naming
// conventions (the dialplan changed over the years), a system-name prefix on some uniqueids, empty and textual
// caller ids, caller names in raw Latin-1 bytes (not UTF-8), copies with other names, and many header-only WAVs
// (calls hung up before any audio). Deterministic: a seeded generator.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {wav} from '../helpers.js'

export interface SpoolFile {
  /** The name's bytes (not always UTF-8). */
  name: Buffer
  /** When the name says the call started, in the PBX's zone, `YYYY-MM-DDTHH:MM`; undefined for names that say nothing. */
  start?: string
  empty: boolean
}

function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0')

export function spoolNames(count: number, seed = 1): SpoolFile[] {
  const next = random(seed)
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]
  const digits = (n: number) => Array.from({length: n}, () => Math.floor(next() * 10)).join('')
  const files: SpoolFile[] = []
  let epoch = 1_704_100_000
  for (let i = 0; i < count; i++) {
    epoch += 60 + Math.floor(next() * 3600)
    // The PBX's wall clock (UTC+3, no DST: Europe/Moscow), as STRFTIME writes it.
    const local = new Date((epoch + 3 * 3600) * 1000)
    const stamp = `${local.getUTCFullYear()}${pad(local.getUTCMonth() + 1)}${pad(local.getUTCDate())}${pad(local.getUTCHours())}${pad(local.getUTCMinutes())}`
    const start = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`
    const uniqueid = `${epoch}.${Math.floor(next() * 5000)}`
    const roll = next()
    const caller: Buffer =
      roll < 0.04 ? Buffer.from('') : roll < 0.07 ? Buffer.from('anonymous') : roll < 0.1 ? Buffer.from([0x52, 0x65, 0x6e, 0xe9]) /* "René" in Latin-1 */ : Buffer.from(`89${digits(9)}`)
    const callee = next() < 0.7 ? pick(['211474', '211553', '211480', '211401']) : `89${digits(9)}`
    const system = next() < 0.2 ? 'mainserverdss-' : ''
    const form = next()
    const parts: (string | Buffer)[] =
      form < 0.55 ? [`${stamp}_`, caller, `-${callee}_${system}${uniqueid}.wav`]
      : form < 0.75 ? [`${uniqueid}_${stamp}_`, caller, `-${callee}.wav`]
      : form < 0.97 ? [`${stamp}_`, caller, `-${callee}.wav`]
      : [pick(['test-recording', 'copie de sauvegarde', 'rec']), `-${i}.wav`]
    const dated = form < 0.97
    files.push({name: Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part))), start: dated ? start : undefined, empty: next() < 0.55})
  }
  return files
}

/** Writes the spool into a temp folder (names as raw bytes); WAVs are 44-byte headers or 0.05 s of audio. */
export function writeSpool(files: SpoolFile[]): {dir: string; cleanup(): void} {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrec-spool-'))
  const folder = path.join(dir, 'monitor')
  mkdirSync(folder)
  const empty = wav(0)
  const audio = wav(0.05)
  for (const file of files) writeFileSync(Buffer.concat([Buffer.from(folder + '/'), file.name]), file.empty ? empty : audio)
  return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

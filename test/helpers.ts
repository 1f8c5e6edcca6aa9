// Shared by the tests: spawn the real CLI, and build archives of real audio in a temp folder.
import {execFile} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync, utimesSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const BIN = path.join(ROOT, 'bin', 'run.js')

/** Where archives that are not local folders (S3) keep their journal during tests: never the tester's home. */
export const STATE_HOME = mkdtempSync(path.join(tmpdir(), 'callrec-state-'))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `callrec ARGS` as a user would (bin/run.js on this Node), never throwing on a non-zero exit. */
export function callrec(args: string[], options: {cwd?: string; env?: Record<string, string>; input?: string} = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {cwd: options.cwd ?? ROOT, env: {...process.env, NO_COLOR: '1', XDG_STATE_HOME: STATE_HOME, ...options.env}, maxBuffer: 256 * 1024 * 1024},
      (error, stdout, stderr) => resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr}),
    )
    if (options.input !== undefined) child.stdin!.end(options.input)
    else child.stdin!.end()
  })
}

/** Parses the CLI's `--json` output. */
export async function callrecJson<T = any>(args: string[], options?: Parameters<typeof callrec>[1]): Promise<{code: number; json: T; stderr: string}> {
  const result = await callrec([...args, '--json'], options)
  try {
    return {code: result.code, json: JSON.parse(result.stdout), stderr: result.stderr}
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout.slice(0, 500)} ${result.stderr.slice(0, 500)}`)
  }
}

/** A real WAV file: 8 kHz mono, 16-bit PCM or G.711 µ-law, a 440 Hz tone. */
export function wav(seconds = 0.5, format: 'pcm' | 'mulaw' = 'pcm', sampleRate = 8000): Buffer {
  const samples = Math.round(seconds * sampleRate)
  const bytesPerSample = format === 'pcm' ? 2 : 1
  const data = Buffer.alloc(samples * bytesPerSample)
  for (let i = 0; i < samples; i++) {
    const value = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate))
    if (format === 'pcm') data.writeInt16LE(value, i * 2)
    else data[i] = muLaw(value)
  }
  const header = Buffer.alloc(44)
  header.write('RIFF', 0, 'latin1')
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVEfmt ', 8, 'latin1')
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(format === 'pcm' ? 1 : 7, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(sampleRate, 24)
  header.writeUInt32LE(sampleRate * bytesPerSample, 28)
  header.writeUInt16LE(bytesPerSample, 32)
  header.writeUInt16LE(bytesPerSample * 8, 34)
  header.write('data', 36, 'latin1')
  header.writeUInt32LE(data.length, 40)
  return Buffer.concat([header, data])
}

function muLaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0
  let magnitude = Math.min(Math.abs(sample), 32635) + 0x84
  let exponent = 7
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f
  return ~(sign | (exponent << 4) | mantissa) & 0xff
}

export type ArchiveFiles = Record<string, string | Buffer | object>

/**
 * Writes an archive into a fresh temp folder: a string or Buffer is written as is, an object as JSON
 * (sidecars, with `callrec.yml` given as a YAML string). Returns the folder and a cleanup.
 */
/** A passphrase file (mode 0600) in a folder of its own, for the encrypt tests that use `--passphrase-file`. */
export function passphraseFile(): {file: string; cleanup(): void} {
  const secrets = makeArchive({})
  const file = path.join(secrets.dir, 'passphrase')
  writeFileSync(file, 'correct horse battery staple\n', {mode: 0o600})
  return {file, cleanup: secrets.cleanup}
}

export function makeArchive(files: ArchiveFiles, options: {mtime?: Date} = {}): {dir: string; cleanup(): void} {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrec-test-'))
  for (const [key, content] of Object.entries(files)) {
    const file = path.join(dir, key)
    mkdirSync(path.dirname(file), {recursive: true})
    writeFileSync(file, typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content, null, 2))
    if (options.mtime) utimesSync(file, options.mtime, options.mtime)
  }
  return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

/** makeArchive whose folder is removed when the test process exits. */
export function tempArchive(files: ArchiveFiles): string {
  const made = makeArchive(files)
  if (temporary.length === 0) process.once('exit', () => temporary.forEach((cleanup) => cleanup()))
  temporary.push(made.cleanup)
  return made.dir
}
const temporary: (() => void)[] = []

export const NOW = '2026-11-23T00:00:00Z'

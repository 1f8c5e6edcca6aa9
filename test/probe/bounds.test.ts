// Hostile files: headers, tags and sidecars that declare sizes far beyond what they hold. Each must become a
// finding while the audit's memory stays bounded (peak RSS of the CLI as GNU time measures it) and the run goes on.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtempSync, openSync, closeSync, ftruncateSync, writeSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {BIN, makeArchive, NOW, wav} from '../helpers.ts'

/** A sparse file: `bytes` at the start, then a hole up to `size` (no disk used, reads give zeros). */
function sparse(file: string, bytes: Buffer, size: number): void {
  const fd = openSync(file, 'w')
  writeSync(fd, bytes)
  ftruncateSync(fd, size)
  closeSync(fd)
}

const synchsafe = (n: number) => Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f])
/** An MP3 whose ID3v2 tag declares 256 MB (the most its synchsafe size can say). */
const id3Bomb = Buffer.concat([Buffer.from('ID3\x04\x00\x00', 'latin1'), synchsafe(0x0fffffff), Buffer.alloc(4086)])
/** A WAV (streaming sizes, as recorders write) whose LIST chunk declares 2 GB before any audio. */
function wavListBomb(): Buffer {
  const good = wav(0.1)
  const list = Buffer.alloc(8)
  list.write('LIST', 0, 'latin1')
  list.writeUInt32LE(0x7ffffff0, 4)
  const riff = Buffer.concat([good.subarray(0, 36), list])
  riff.writeUInt32LE(0xffffffff, 4)
  return riff
}

const ok = {recordedAt: '2026-10-01T10:00:00+02:00', purpose: 'quality', noticePlayed: true}
let archive: ReturnType<typeof makeArchive>
let peakRssMb: number
let findings: {rule: string; key: string; message: string}[]
let code: number | null

/** Runs the audit under GNU time: the child's own peak RSS, not the test runner's. */
function auditUnderTime(dir: string): Promise<{code: number | null; stdout: string; maxRssKb: number}> {
  const usage = path.join(mkdtempSync(path.join(tmpdir(), 'callrec-time-')), 'usage')
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/time',
      ['-f', '%M', '-o', usage, process.execPath, BIN, 'audit', dir, '--now', NOW, '--format', 'ndjson', '--timeout', '3000'],
      {maxBuffer: 64 * 1024 * 1024, env: {...process.env, NO_COLOR: '1'}},
      (error, stdout) => {
        try {
          const maxRssKb = Number(readFileSync(usage, 'utf8').trim().split('\n').pop())
          rmSync(path.dirname(usage), {recursive: true, force: true})
          resolve({code: error ? ((error as {code?: number}).code ?? null) : 0, stdout, maxRssKb})
        } catch (failure) {
          reject(failure)
        }
      },
    )
  })
}

before(async () => {
  archive = makeArchive({'callrec.yml': 'timezone: Europe/Paris\n', 'fine.wav': wav(), 'fine.json': ok})
  for (let i = 0; i < 8; i++) sparse(path.join(archive.dir, `bomb-${i}.mp3`), id3Bomb, 300 * 1024 * 1024)
  sparse(path.join(archive.dir, 'list-bomb.wav'), wavListBomb(), 3 * 1024 * 1024 * 1024)
  for (let i = 0; i < 3; i++) {
    writeSyncFile(path.join(archive.dir, `huge-${i}.wav`), wav())
    sparse(path.join(archive.dir, `huge-${i}.json`), Buffer.from('{"recordedAt": "'), 1024 * 1024 * 1024)
  }
  const result = await auditUnderTime(archive.dir)
  code = result.code
  peakRssMb = result.maxRssKb / 1024
  findings = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line)).filter((line) => line.rule)
})
after(() => archive.cleanup())

function writeSyncFile(file: string, bytes: Buffer): void {
  const fd = openSync(file, 'w')
  writeSync(fd, bytes)
  closeSync(fd)
}

const findingsOf = (key: string) => findings.filter((finding) => finding.key === key)

test('an ID3v2 tag declaring 256 MB makes the file unreadable, with nothing allocated', () => {
  for (let i = 0; i < 8; i++) {
    const unreadable = findingsOf(`bomb-${i}.mp3`).find((finding) => finding.rule === 'unreadable')
    assert.ok(unreadable, `bomb-${i}.mp3 has an unreadable finding`)
    assert.match(unreadable.message, /asks for 268435455 bytes.*hostile or damaged/)
  }
})

test('a WAV chunk declaring 2 GB, then a hole of empty chunks, is unreadable (read budget, header window, or --timeout on a loaded machine)', () => {
  const unreadable = findingsOf('list-bomb.wav').find((finding) => finding.rule === 'unreadable')
  assert.ok(unreadable, JSON.stringify(findingsOf('list-bomb.wav')))
  // Which bound trips first depends on how the reads were batched (in place from the page cache, or through the pool).
  assert.match(unreadable.message, /(more than \d+ reads|more than the 4 MiB a recording's header may take|gave up after 3000 ms).*hostile or damaged/)
})

test('a sidecar of 1 GB is an invalid sidecar, refused from its size without being read', () => {
  for (let i = 0; i < 3; i++) {
    const invalid = findingsOf(`huge-${i}.wav`).find((finding) => finding.rule === 'invalid-sidecar')
    assert.ok(invalid, `huge-${i}.wav has an invalid-sidecar finding`)
    assert.match(invalid.message, /huge-\d\.json: 1073741824 bytes, more than the 1 MiB a sidecar may have/)
  }
})

test('the run goes on: the ordinary recording is audited and the exit code is that of findings', () => {
  assert.equal(code, 1)
  assert.ok(!findingsOf('fine.wav').some((finding) => finding.rule === 'unreadable' || finding.rule === 'invalid-sidecar'))
})

test('peak RSS stays bounded whatever the files declare (GB of declared sizes)', () => {
  // Without the bounds, these files took the audit past 5 GB; the CLI alone peaks near 110–150 MB.
  assert.ok(peakRssMb < 250, `peak RSS ${peakRssMb.toFixed(0)} MB`)
})

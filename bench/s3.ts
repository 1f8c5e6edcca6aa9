// Benchmark: `callrec audit s3://…` against s3rver on loopback, and the floor: one 8 KiB ranged GET per recording.
//   node --import tsx bench/s3.ts [N=2000]
// Puts N recordings (WAV, 8 kHz 16-bit, ~97 KB, as bench/audit.ts) with sidecars, 100 a day folder, then times
// the audit and the bare reads. s3rver shares the machine's cores with callrec.
import {execFile} from 'node:child_process'
import path from 'node:path'
import {promisify} from 'node:util'
import pMap from 'p-map'
import {openS3Store} from '../src/store/s3.ts'
import {wav} from '../test/helpers.ts'
import {startS3rver} from '../test/store/s3rver.ts'

const N = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 2000)
const ROOT = path.resolve(import.meta.dirname, '..')

const server = await startS3rver()
try {
  await server.createBucket('bench')
  const audio = wav(6)
  const files: Record<string, Buffer | object> = {'callrec.yml': 'timezone: Europe/Paris\n'}
  for (let i = 0; i < N; i++) {
    const day = new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 100) * 86_400_000)
    const ymd = day.toISOString().slice(0, 10).replaceAll('-', '')
    const base = `monitor/${ymd.slice(0, 4)}/${ymd.slice(4, 6)}/${ymd.slice(6, 8)}/in-0140000000-06${String(i).padStart(8, '0')}-${ymd}-103000-${1767261600 + i}.${i}`
    files[base + '.wav'] = audio
    files[base + '.json'] = {recordedAt: day.toISOString(), purpose: 'quality', noticePlayed: true, agent: String(1000 + (i % 50))}
  }
  let start = performance.now()
  await server.put('bench', files)
  console.log(`put ${Object.keys(files).length} objects: ${((performance.now() - start) / 1000).toFixed(1)} s`)

  start = performance.now()
  const {stdout} = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/run.js'), 'audit', 's3://bench', '--json', '--fail-on', 'never'], {
    env: {...process.env, ...server.env},
    maxBuffer: 1 << 30,
  })
  const seconds = (performance.now() - start) / 1000
  const {recordings} = JSON.parse(stdout).summary
  console.log(`callrec audit s3://bench --json: ${recordings} recordings in ${seconds.toFixed(1)} s, ${Math.round(recordings / seconds)} recordings/s`)

  Object.assign(process.env, server.env)
  const store = await openS3Store('s3://bench')
  const keys = Object.keys(files).filter((key) => key.endsWith('.wav'))
  start = performance.now()
  await pMap(keys, async (key) => {
    const entry = (await store.open(key))!
    await entry.read(0, 8192)
    await entry.close()
  }, {concurrency: 32})
  const floor = (performance.now() - start) / 1000
  console.log(`floor, open + first 8 KiB (one GET) per recording, 32 at a time: ${Math.round(N / floor)} recordings/s`)
} finally {
  await server.stop()
}

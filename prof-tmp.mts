import {writeFileSync} from 'node:fs'
import {wav} from './test/helpers.ts'
import {startS3rver} from './test/store/s3rver.ts'
const N = Number(process.argv[2] ?? 2000)
const server = await startS3rver()
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
await server.put('bench', files)
writeFileSync('/tmp/s3i/env.sh', Object.entries(server.env).map(([k, v]) => `export ${k}=${v}`).join('\n') + '\n')
console.log('ready')
await new Promise((r) => setTimeout(r, 3_600_000))

// Benchmark: `callrec audit s3://…` against s3rver on loopback, `rclone lsjson -R` listing the same bucket (a
// listing only: the least any tool can do), the floor (one 8 KiB ranged GET per recording), and callrec's own CPU
// per ranged GET, the store's signed GET (s3-get.ts) against the same GET through the AWS SDK's command stack.
//   node --import tsx bench/s3.ts [N=10000]
// Puts N recordings (WAV, 8 kHz 16-bit, ~97 KB, as bench/audit.ts) with sidecars, 100 a day folder, then times
// the audit (through a proxy that counts its requests, under GNU time for its CPU) and the bare reads. s3rver
// shares the machine's cores.
import {execFile} from 'node:child_process'
import {createServer, request} from 'node:http'
import path from 'node:path'
import {promisify} from 'node:util'
import pMap from 'p-map'
import {openS3Store, S3Store} from '../src/store/s3.ts'
import {testClient} from '../test/store/s3-client.ts'
import {wav} from '../test/helpers.ts'
import {startS3rver} from '../test/store/s3rver.ts'

const N = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 10_000)
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

  // Counts callrec's requests on their way to s3rver.
  let requests = 0
  const target = new URL(server.endpoint)
  const proxy = createServer((incoming, answer) => {
    requests++
    const forward = request({host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers}, (response) => {
      answer.writeHead(response.statusCode!, response.headers)
      response.pipe(answer)
    })
    incoming.pipe(forward)
  })
  proxy.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const proxied = `http://127.0.0.1:${(proxy.address() as {port: number}).port}`

  start = performance.now()
  // GNU time reports the audit's own CPU (user + system), apart from s3rver's and the proxy's.
  const {stdout, stderr} = await promisify(execFile)('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, path.join(ROOT, 'bin/run.js'), 'audit', 's3://bench', '--json', '--fail-on', 'never'], {
    env: {...process.env, ...server.env, CALLREC_S3_ENDPOINT: proxied},
    maxBuffer: 1 << 30,
  })
  const seconds = (performance.now() - start) / 1000
  proxy.close()
  const {recordings} = JSON.parse(stdout).summary
  const [, user, system] = /cpu ([\d.]+) ([\d.]+)/.exec(stderr)!.map(Number)
  console.log(
    `callrec audit s3://bench --json: ${recordings} recordings in ${seconds.toFixed(1)} s, ${Math.round(recordings / seconds)} recordings/s, ${(requests / recordings).toFixed(2)} requests per recording, ` +
      `CPU ${(user + system).toFixed(1)} s (${(((user + system) * 1000) / requests).toFixed(2)} ms per request, start-up, rules and output included)`,
  )

  // rclone configured from the environment: an S3 remote named "bench" on the same server.
  const remote = {RCLONE_CONFIG_BENCH_TYPE: 's3', RCLONE_CONFIG_BENCH_PROVIDER: 'Other', RCLONE_CONFIG_BENCH_ENDPOINT: server.endpoint, RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: server.env.AWS_ACCESS_KEY_ID, RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: server.env.AWS_SECRET_ACCESS_KEY, RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true'}
  start = performance.now()
  // A CA bundle from the environment makes rclone's SDK fail on plain http: none is needed on loopback.
  const {AWS_CA_BUNDLE, ...environment} = process.env
  const listed = await promisify(execFile)('rclone', ['lsjson', '-R', '--files-only', 'bench:bench'], {env: {...environment, ...remote}, maxBuffer: 1 << 30})
  const rclone = (performance.now() - start) / 1000
  console.log(`rclone lsjson -R (listing only, ${JSON.parse(listed.stdout).length} objects): ${rclone.toFixed(1)} s, ${Math.round(N / rclone)} recordings/s; callrec audit takes ${(seconds / rclone).toFixed(1)}× as long`)

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

  // callrec's CPU per ranged GET: the store as callrec opens it (signed GETs) against one whose GETs go through the SDK.
  const sdkStore = new S3Store({bucket: 'bench', prefix: '', client: testClient(server.endpoint, server.env)})
  const sample = keys.slice(0, Math.min(keys.length, 4000))
  for (const [name, each] of [['signed GET (s3-get.ts)', store], ['AWS SDK GetObjectCommand', sdkStore], ['signed GET (s3-get.ts)', store], ['AWS SDK GetObjectCommand', sdkStore]] as const) {
    const cpu = process.cpuUsage()
    const wall = performance.now()
    await pMap(sample, async (key) => (await each.open(key))!.close(), {concurrency: 32})
    const used = process.cpuUsage(cpu)
    console.log(`${name}: ${((used.user + used.system) / 1000 / sample.length).toFixed(3)} ms CPU per GET (${sample.length} GETs, ${Math.round(sample.length / ((performance.now() - wall) / 1000))}/s)`)
  }
} finally {
  await server.stop()
}

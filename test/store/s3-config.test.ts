// How callrec finds and names an S3-compatible server, against s3rver on loopback (behind a small recording proxy
// where the requests themselves are the point): ~/.aws/config endpoint_url, S3:// URLs, init in a bucket,
// the register's country for a server that is not AWS, and --explain reading one key without listing.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, request, type Server} from 'node:http'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {callrec, callrecJson, NOW, wav} from '../helpers.ts'
import {startS3rver, type S3rver} from './s3rver.ts'

let server: S3rver
let proxy: Server
let proxyUrl: string
const seen: string[] = []
const dir = mkdtempSync(path.join(tmpdir(), 'callrec-s3-config-'))
const SIDE = {recordedAt: '2025-01-10T09:30:00Z', purpose: 'quality', noticePlayed: true}

before(async () => {
  server = await startS3rver()
  await server.createBucket('calls')
  const files: Record<string, Buffer | object> = {}
  for (let i = 0; i < 5; i++) Object.assign(files, {[`site/a/${i}.wav`]: wav(0.05), [`site/a/${i}.json`]: SIDE})
  await server.put('calls', files)
  // Forwards every request to s3rver and notes its method and path.
  const target = new URL(server.endpoint)
  proxy = createServer((incoming, answer) => {
    seen.push(`${incoming.method} ${incoming.url}`)
    const forward = request({host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers}, (response) => {
      answer.writeHead(response.statusCode!, response.headers)
      response.pipe(answer)
    })
    incoming.pipe(forward)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as {port: number}).port}`
})
after(async () => {
  proxy?.close()
  await server?.stop()
  rmSync(dir, {recursive: true, force: true})
})

/** The environment of a user whose ~/.aws/config names the endpoint (no CALLREC_S3_ENDPOINT). */
function configEnv(endpoint: string, name = 'config'): Record<string, string> {
  const config = path.join(dir, name)
  writeFileSync(config, `[default]\nregion = eu-west-3\nendpoint_url = ${endpoint}\n`)
  const {CALLREC_S3_ENDPOINT, ...env} = server.env
  return {...env, CALLREC_S3_ENDPOINT: '', AWS_CONFIG_FILE: config}
}

test('the endpoint_url of ~/.aws/config is honoured, by path (a bucket name is no host name on such a server); S3:// is accepted', async () => {
  const env = configEnv(server.endpoint)
  const {code, json, stderr} = await callrecJson(['audit', 'S3://calls/site', '--now', NOW], {env})
  assert.equal(code, 1, stderr)
  assert.equal(json.summary.archive, 's3://calls/site')
  assert.equal(json.summary.recordings, 5)
})

test('an unreachable endpoint: one line naming the bucket and the endpoint, exit 2', async () => {
  const env = configEnv('http://127.0.0.1:9', 'config-dead')
  const {code, stderr} = await callrec(['audit', 's3://calls/site', '--now', NOW], {env})
  assert.equal(code, 2)
  assert.match(stderr, /s3:\/\/calls \(endpoint http:\/\/127\.0\.0\.1:9\): .*ECONNREFUSED/)
})

test('init s3://… writes callrec.yml into the bucket, which the next audit uses; a second init refuses', async () => {
  const first = await callrecJson(['init', 's3://calls/site', '--defaults'], {env: server.env})
  assert.equal(first.code, 0, first.stderr)
  assert.equal(first.json.file, 's3://calls/site/callrec.yml')
  const audit = await callrecJson(['audit', 's3://calls/site', '--now', NOW], {env: server.env})
  assert.equal(audit.json.summary.policy, 's3://calls/site/callrec.yml')
  const again = await callrec(['init', 's3://calls/site', '--defaults'], {env: server.env})
  assert.equal(again.code, 2)
  assert.match(again.stderr, /s3:\/\/calls\/site\/callrec\.yml: already exists/)
})

test('the register does not trust the region of a server that is not AWS: it asks for storage.country, and uses it', async () => {
  await server.put('calls', {'callrec.yml': 'timezone: UTC\n'}, 'reg/')
  await server.put('calls', {'x.wav': wav(0.05)}, 'reg/')
  const asked = await callrecJson(['report', 'register', 's3://calls/reg', '--lang', 'en', '--now', NOW], {env: server.env})
  assert.equal(asked.code, 1, asked.stderr) // mandatory fields missing
  assert.ok(asked.json.missing.some((field: {field: string}) => field.field === 'storage.country'))
  assert.equal(asked.json.facts.storage.inEea, undefined, 'us-east-1 from a server in Paris says nothing')
  await server.put('calls', {'callrec.yml': 'timezone: UTC\nstorage:\n  country: FR\n'}, 'reg/')
  const told = await callrecJson(['report', 'register', 's3://calls/reg', '--lang', 'en', '--now', NOW], {env: server.env})
  assert.equal(told.json.facts.storage.inEea, true)
  assert.ok(!told.json.missing.some((field: {field: string}) => field.field === 'storage.country'))
})

test('--explain KEY on S3 reads that key and its sidecar, and lists no recordings (only its journal, for the access entry)', async () => {
  const env = {...server.env, CALLREC_S3_ENDPOINT: proxyUrl}
  seen.length = 0
  const {json, stderr} = await callrecJson(['audit', 's3://calls/site', '--explain', 'a/3.wav', '--now', NOW], {env})
  assert.equal(json.recording.key, 'a/3.wav', stderr)
  assert.equal(json.recording.fields.recordedAt.source, 'sidecar')
  // The explain is an access, journaled in the shared state: listing the journal's chunks is not listing the archive.
  assert.deepEqual(seen.filter((line) => /list-type=2|versions/.test(line) && !/prefix=site%2F\.callrec%2F/.test(line)), [], 'no listing')
  assert.ok(seen.every((line) => !/a\/[0124]\./.test(line)), 'no other recording read')
})

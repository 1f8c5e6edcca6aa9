// The probe cache (.callrec/cache/probe.sqlite): reused while a file's size, mtime, ctime and inode are unchanged,
// never trusted past a change, even one that puts the old mtime and size back.
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {after, test} from 'node:test'
import {callrecJson, makeArchive, NOW, wav} from '../helpers.ts'

const ok = {recordedAt: '2026-10-01T10:00:00+02:00', purpose: 'quality', noticePlayed: true}
const archives: ReturnType<typeof makeArchive>[] = []
after(() => archives.forEach((archive) => archive.cleanup()))

function archiveWithState(): string {
  const archive = makeArchive({'callrec.yml': 'timezone: Europe/Paris\n', 'a.wav': wav(), 'a.json': ok, 'b.wav': wav(), 'b.json': ok})
  archives.push(archive)
  mkdirSync(path.join(archive.dir, '.callrec'))
  return archive.dir
}

const cacheFile = (dir: string) => path.join(dir, '.callrec', 'cache', 'probe.sqlite')

async function audit(dir: string, ...extra: string[]) {
  const {json} = await callrecJson(['audit', dir, '--now', NOW, '--fail-on', 'never', ...extra])
  return new Map<string, any>(json.recordings.map((recording: any) => [recording.key, recording]))
}

/** What a cached row says: the test edits it to see whether the next audit reads the file or the cache. */
function forgeCachedCodec(dir: string, key: string, codec: string): void {
  const db = new DatabaseSync(cacheFile(dir))
  const row = db.prepare('SELECT facts FROM recordings WHERE key = ?').get(key) as {facts: string}
  const facts = JSON.parse(row.facts)
  facts.file.audio.codec = codec
  db.prepare('UPDATE recordings SET facts = ? WHERE key = ?').run(JSON.stringify(facts), key)
  db.close()
}

test('an unchanged file is not read again; --no-cache reads it', async () => {
  const dir = archiveWithState()
  const first = await audit(dir)
  assert.ok(existsSync(cacheFile(dir)))
  forgeCachedCodec(dir, 'a.wav', 'FROM-CACHE')
  const second = await audit(dir)
  assert.equal(second.get('a.wav').audio.codec, 'FROM-CACHE', 'the second audit took a.wav from the cache')
  assert.deepEqual(second.get('b.wav'), first.get('b.wav'))
  assert.equal((await audit(dir, '--no-cache')).get('a.wav').audio.codec, 'PCM')
})

test('a sidecar rewritten with its old size and mtime put back is read again (ctime)', async () => {
  const dir = archiveWithState()
  const sidecar = path.join(dir, 'a.json')
  const then = new Date('2026-10-01T10:00:00Z') // whole seconds: utimes restores them exactly
  writeFileSync(sidecar, JSON.stringify({...ok, agent: '1001'}))
  utimesSync(sidecar, then, then)
  assert.equal((await audit(dir)).get('a.wav').fields.agent.value, '1001')
  const before = statSync(sidecar)
  writeFileSync(sidecar, JSON.stringify({...ok, agent: '1002'}))
  utimesSync(sidecar, then, then)
  assert.equal(statSync(sidecar).size, before.size)
  assert.equal(statSync(sidecar).mtimeMs, before.mtimeMs)
  assert.equal((await audit(dir)).get('a.wav').fields.agent.value, '1002')
})

test('an audio file replaced by another of the same size and mtime is read again (inode)', async () => {
  const dir = archiveWithState()
  const file = path.join(dir, 'a.wav')
  const then = new Date('2026-10-01T10:00:00Z')
  utimesSync(file, then, then)
  assert.equal((await audit(dir)).get('a.wav').audio.codec, 'PCM')
  const before = statSync(file)
  const damaged = Buffer.alloc(before.size) // same size, no header: not audio
  writeFileSync(path.join(dir, 'other.tmp'), damaged)
  renameSync(path.join(dir, 'other.tmp'), file)
  utimesSync(file, then, then)
  assert.equal(statSync(file).mtimeMs, before.mtimeMs)
  const again = await audit(dir)
  assert.equal(again.get('a.wav').audio, undefined)
  assert.match(again.get('a.wav').unreadable, /not a recognised audio format/)
})

test('no cache without a .callrec/ state folder, nor with --no-cache', async () => {
  const bare = makeArchive({'a.wav': wav(), 'a.json': ok})
  archives.push(bare)
  await audit(bare.dir, '--no-cache')
  assert.equal(existsSync(cacheFile(bare.dir)), false)
  const dir = archiveWithState()
  await audit(dir, '--no-cache')
  assert.equal(existsSync(cacheFile(dir)), false)
})

test('a damaged cache file is rebuilt, and the audit is right', async () => {
  const dir = archiveWithState()
  mkdirSync(path.dirname(cacheFile(dir)), {recursive: true})
  writeFileSync(cacheFile(dir), 'not a database '.repeat(100))
  const result = await audit(dir)
  assert.equal(result.get('a.wav').audio.codec, 'PCM')
  const db = new DatabaseSync(cacheFile(dir))
  const rows = db.prepare('SELECT key, sidecar FROM recordings ORDER BY key').all() as {key: string; sidecar: string | null}[]
  assert.deepEqual(rows.map((row) => row.key), ['a.wav', 'b.wav']) // a row a recording, its sidecar's fingerprint in it
  assert.ok(rows.every((row) => row.sidecar))
  db.close()
})

/** Edits the sidecar's facts kept in a recording's row. */
function forgeCachedAgent(dir: string, key: string, agent: string): void {
  const db = new DatabaseSync(cacheFile(dir))
  const row = db.prepare('SELECT facts FROM recordings WHERE key = ?').get(key) as {facts: string}
  const facts = JSON.parse(row.facts)
  facts.sidecar.fields.agent = agent
  db.prepare('UPDATE recordings SET facts = ? WHERE key = ?').run(JSON.stringify(facts), key)
  db.close()
}

test('only what changed is read again: the sidecar alone, or the audio file alone', async () => {
  const dir = archiveWithState()
  await audit(dir)
  forgeCachedCodec(dir, 'a.wav', 'FROM-CACHE')
  writeFileSync(path.join(dir, 'a.json'), JSON.stringify({...ok, agent: '1003'}))
  const sidecarChanged = (await audit(dir)).get('a.wav')
  assert.equal(sidecarChanged.fields.agent.value, '1003')
  assert.equal(sidecarChanged.audio.codec, 'FROM-CACHE', 'the unchanged audio file was not read again')

  forgeCachedAgent(dir, 'b.wav', 'FROM-CACHE')
  writeFileSync(path.join(dir, 'b.wav'), Buffer.alloc(64)) // not audio any more
  const audioChanged = (await audit(dir)).get('b.wav')
  assert.match(audioChanged.unreadable, /not a recognised audio format/)
  assert.equal(audioChanged.fields.agent.value, 'FROM-CACHE', 'the unchanged sidecar was not read again')
})

test('a sidecar that appears or goes away is seen at once', async () => {
  const dir = archiveWithState()
  writeFileSync(path.join(dir, 'c.wav'), wav())
  assert.equal((await audit(dir)).get('c.wav').fields.agent, undefined)
  writeFileSync(path.join(dir, 'c.json'), JSON.stringify({...ok, agent: '1004'}))
  assert.equal((await audit(dir)).get('c.wav').fields.agent.value, '1004')
  rmSync(path.join(dir, 'c.json'))
  const gone = (await audit(dir)).get('c.wav')
  assert.equal(gone.fields.agent, undefined)
  assert.equal(gone.sidecarKey, undefined)
})

test('a cache written by another version of callrec is started over', async () => {
  const dir = archiveWithState()
  await audit(dir)
  forgeCachedCodec(dir, 'a.wav', 'FROM-CACHE')
  const db = new DatabaseSync(cacheFile(dir))
  db.prepare("UPDATE meta SET value = 'another' WHERE name = 'version'").run()
  db.close()
  assert.equal((await audit(dir)).get('a.wav').audio.codec, 'PCM')
})

test('a batch is found in the cache whatever its keys: names that JavaScript and SQLite sort apart, a batch that spans a big subfolder', async () => {
  // U+1F600 sorts before U+E000 in JavaScript (UTF-16) and after it in SQLite (UTF-8 bytes); `z.wav` is listed
  // with `a.wav`, before the 300 recordings of `m/` that lie between them in the index.
  const files: Record<string, Buffer | object | string> = {'callrec.yml': 'timezone: Europe/Paris\n', 'a.wav': wav(), 'z.wav': wav(), 'x-\u{1F600}.wav': wav(), 'x-\uE000.wav': wav()}
  for (let i = 0; i < 300; i++) files[`m/${String(i).padStart(3, '0')}.wav`] = wav()
  const archive = makeArchive(files)
  archives.push(archive)
  mkdirSync(path.join(archive.dir, '.callrec'))
  await audit(archive.dir)
  const forged = ['z.wav', 'x-\u{1F600}.wav', 'x-\uE000.wav', 'm/299.wav']
  for (const key of forged) forgeCachedCodec(archive.dir, key, 'FROM-CACHE')
  const again = await audit(archive.dir)
  for (const key of forged) assert.equal(again.get(key).audio.codec, 'FROM-CACHE', `${key} came from the cache`)
})

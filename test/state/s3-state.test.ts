// Shared state of an S3 archive (journal, holds, HMAC key, run lock in the bucket), against a real s3rver on
// loopback, with two "hosts": two processes with their own HOME, XDG state folder and host name.
import assert from 'node:assert/strict'
import {cpSync, existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {ListObjectsV2Command, PutObjectCommand} from '@aws-sdk/client-s3'
import {callrec, callrecJson, makeArchive} from '../helpers.ts'
import {startS3rver, type S3rver} from '../store/s3rver.ts'
import {host as hostOf, lockHolder, recordings} from './hosts.ts'

let server: S3rver
const host = (name: string) => hostOf(name, server.env)

async function keys(bucket: string, prefix: string): Promise<string[]> {
  const out = await server.client.send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix}))
  return (out.Contents ?? []).map((object) => object.Key!.slice(prefix.length))
}

before(async () => {
  server = await startS3rver()
  for (const bucket of ['calls', 'other']) await server.createBucket(bucket)
})
after(() => server?.stop())

test('a hold added on one host is seen by another; the state lives under .callrec/ in the bucket and is never a recording', async () => {
  await server.put('calls', recordings(3), 'a/')
  const [hostA, hostB] = [host('host-a'), host('host-b')]
  const added = await callrecJson(['hold', 'add', 'r1.wav', '--archive', 's3://calls/a', '--reason', 'case 12'], {env: hostA})
  assert.equal(added.code, 0, added.stderr)
  assert.equal(added.json.file, 's3://calls/a/.callrec/holds.json')
  const listed = await callrecJson(['hold', 'list', '--archive', 's3://calls/a'], {env: hostB})
  assert.deepEqual(listed.json.holds.map((hold: {match: object; by: {host: string}}) => [hold.match, hold.by.host]), [[{key: 'r1.wav'}, 'host-a']])
  // Host B's audit sees the hold, and lists the three recordings only: nothing of .callrec/.
  const audit = await callrecJson(['audit', 's3://calls/a'], {env: hostB})
  assert.deepEqual(audit.json.recordings.map((recording: {key: string}) => recording.key).sort(), ['r0.wav', 'r1.wav', 'r2.wav'])
  assert.equal(audit.json.recordings.find((recording: {key: string}) => recording.key === 'r1.wav').fields.legalHold.source, 'holds')
  const state = await keys('calls', 'a/.callrec/')
  assert.ok(state.includes('holds.json') && state.includes('journal.head'), state.join(' '))
  assert.ok(state.some((key) => /^journal\/g000000\/000000000000000-\d{8}T\d{9}Z-host-a-\d+-[0-9a-f]{8}\.jsonl$/.test(key)), state.join(' '))
  assert.equal(state.filter((key) => key.startsWith('locks/')).length, 0, 'every lock object released')
  // Nothing on either machine.
  assert.equal(existsSync(path.join(hostA.XDG_STATE_HOME, 'callrec')), false)
  const verify = await callrecJson(['access-log', 'verify', 's3://calls/a'], {env: hostB})
  assert.equal(verify.code, 0, JSON.stringify(verify.json.problems))
  assert.equal(verify.json.journal, 's3://calls/a/.callrec/journal')
  assert.ok(verify.json.entries >= 2, 'the hold entry and the audit entry')
  // Released on host B: gone for host A too, and the journal still verifies.
  const released = await callrec(['hold', 'release', '--id', String(added.json.hold.id), '--archive', 's3://calls/a', '--reason', 'case closed'], {env: hostB})
  assert.equal(released.code, 0, released.stderr)
  assert.deepEqual((await callrecJson(['hold', 'list', '--archive', 's3://calls/a'], {env: hostA})).json.holds, [])
  assert.equal((await callrec(['access-log', 'verify', 's3://calls/a'], {env: hostA})).code, 0)
})

test('two hosts adding holds at the same time: every hold kept with its own id, every entry journaled, verify passes', {timeout: 240_000}, async () => {
  await server.put('calls', recordings(9), 'b/')
  const [hostA, hostB] = [host('host-a'), host('host-b')]
  const add = async (env: Record<string, string>, indexes: number[]) => {
    for (const i of indexes) {
      const result = await callrec(['hold', 'add', `r${i}.wav`, '--archive', 's3://calls/b', '--reason', `case ${i}`], {env})
      assert.equal(result.code, 0, result.stderr)
    }
  }
  await Promise.all([add(hostA, [0, 2, 4, 6]), add(hostB, [1, 3, 5, 7])])
  const listed = await callrecJson(['hold', 'list', '--archive', 's3://calls/b'], {env: hostA})
  assert.deepEqual(listed.json.holds.map((hold: {match: {key: string}}) => hold.match.key).sort(), ['r0.wav', 'r1.wav', 'r2.wav', 'r3.wav', 'r4.wav', 'r5.wav', 'r6.wav', 'r7.wav'])
  assert.deepEqual(listed.json.holds.map((hold: {id: number}) => hold.id).sort((a: number, b: number) => a - b), [1, 2, 3, 4, 5, 6, 7, 8])
  const verify = await callrecJson(['access-log', 'verify', 's3://calls/b'], {env: hostB})
  assert.equal(verify.code, 0, JSON.stringify(verify.json.problems))
  const exported = await callrecJson(['access-log', 'export', 's3://calls/b', '--action', 'hold'], {env: hostB})
  const entries = exported.json.entries ?? exported.json
  assert.equal(entries.length, 8)
  assert.deepEqual(new Set(entries.map((entry: {actor: {host: string}}) => entry.actor.host)), new Set(['host-a', 'host-b']))
  // The holds of both are honoured by a purge from either host: of the nine recordings, past retention in 2036, only
  // r8 (held by nobody) is selected.
  const purge = await callrecJson(['purge', 's3://calls/b', '--rule', 'retention-expired', '--now', '2036-01-01T00:00:00Z', '--dry-run'], {env: hostA})
  assert.equal(purge.json.plan.recordings, 1, JSON.stringify(purge.json.plan))
  assert.equal(purge.json.plan.held.count, 8)
})

test('the run lock: of two hosts asking at once exactly one holds it; a purge meanwhile exits 4; free again once released', {timeout: 120_000}, async () => {
  await server.put('calls', recordings(1), 'c/')
  const [hostA, hostB] = [host('host-a'), host('host-b')]
  for (let round = 0; round < 3; round++) {
    const holders = [lockHolder(hostA, 's3://calls/c', 'stdin'), lockHolder(hostB, 's3://calls/c', 'stdin')]
    const firsts = await Promise.all(holders.map((holder) => holder.first))
    assert.equal(firsts.filter((line) => line === 'locked').length, 1, firsts.join(' | '))
    const refused = firsts.find((line) => line !== 'locked')!
    assert.match(refused, /^refused s3:\/\/calls\/c is locked by another callrec run \(s3:\/\/calls\/c\/\.callrec\/locks\/run is held by pid \d+ on host-[ab] since /)
    const purge = await callrec(['purge', 's3://calls/c', '--yes'], {env: hostB})
    assert.equal(purge.code, 4, purge.stderr)
    assert.match(purge.stderr, /is locked by another callrec run/)
    for (const holder of holders) holder.release()
    const results = await Promise.all(holders.map((holder) => holder.done))
    assert.deepEqual(results.map((result) => result.code).sort(), [0, 4])
    assert.ok(results.some((result) => result.output.includes('released')))
  }
  assert.deepEqual((await keys('calls', 'c/.callrec/')).filter((key) => key.startsWith('locks/')), [])
  const purge = await callrec(['purge', 's3://calls/c', '--yes'], {env: hostB})
  assert.equal(purge.code, 0, purge.stderr)
  assert.match(purge.stdout, /nothing to delete\njournal head \d+:[0-9a-f]{64}/)
})

test('a lock left by a killed run on another host is taken over once stale; on this host at once', {timeout: 120_000}, async () => {
  await server.put('calls', recordings(1), 'd/')
  // A ticket as a SIGKILLed holder leaves it: its process is gone, and nobody refreshes it.
  const stale = {pid: 999_999_999, host: 'host-gone', since: '2026-01-01T00:00:00Z', lock: 'locks/run'}
  await server.client.send(new PutObjectCommand({Bucket: 'calls', Key: 'd/.callrec/locks/run/t-000000000001-20260101T000000000Z-host-gone-1-00000000', Body: JSON.stringify(stale)}))
  const started = Date.now()
  const holder = lockHolder(host('host-a'), 's3://calls/d', 0)
  assert.equal(await holder.first, 'refused s3://calls/d is locked by another callrec run (s3://calls/d/.callrec/locks/run is held by pid 999999999 on host-gone since 2026-01-01T00:00:00Z): try again when it ends')
  // Only the server's clock ages it: 30 s after its last refresh it is stale.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 31_000 - (Date.now() - started))))
  const later = lockHolder(host('host-a'), 's3://calls/d', 0)
  assert.equal(await later.first, 'locked')
  await later.done
  // A holder of this host killed with SIGKILL: the next run here sees its pid gone and takes the lock at once.
  const killed = lockHolder(host('host-a'), 's3://calls/d', 60_000)
  assert.equal(await killed.first, 'locked')
  killed.child.kill('SIGKILL')
  await killed.done
  const killedAt = Date.now()
  const next = lockHolder(host('host-a'), 's3://calls/d', 0)
  assert.equal(await next.first, 'locked')
  assert.ok(Date.now() - killedAt < 20_000, 'without waiting for the ticket to go stale')
  await next.done
  // The same host (same boot and pid namespace) knows its pid is gone: no wait.
  const own = {pid: 999_999_999, host: 'host-a', since: '2026-01-01T00:00:00Z', boot: readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim(), pidNamespace: undefined as string | undefined}
  const {readlinkSync} = await import('node:fs')
  own.pidNamespace = readlinkSync('/proc/self/ns/pid')
  await server.client.send(new PutObjectCommand({Bucket: 'calls', Key: 'd/.callrec/locks/run/t-000000000001-20260101T000000000Z-host-a-1-00000000', Body: JSON.stringify(own)}))
  const quick = lockHolder(host('host-a'), 's3://calls/d', 0)
  assert.equal(await quick.first, 'locked')
  await quick.done
})

test('find journals its access in the bucket; another host exports it by key', async () => {
  await server.put('calls', recordings(2), 'e/')
  const [hostA, hostB] = [host('host-a'), host('host-b')]
  const found = await callrecJson(['find', 's3://calls/e', '--caller', '+33612345671', '--reason', 'DSAR 9'], {env: hostA})
  assert.equal(found.code, 0, found.stderr)
  const exported = await callrecJson(['access-log', 'export', 's3://calls/e', '--action', 'find'], {env: hostB})
  const entries = exported.json.entries ?? exported.json
  assert.equal(entries.length, 1)
  assert.equal(entries[0].actor.host, 'host-a')
  assert.equal(entries[0].reason, 'DSAR 9')
  const byKey = await callrecJson(['access-log', 'export', 's3://calls/e', '--key', 'r1.wav'], {env: hostB})
  assert.equal((byKey.json.entries ?? byKey.json).length, 1, 'the key HMAC of host A matches with the shared key on host B')
})

test('state: s3://other-bucket/prefix keeps the state there; a bad one is refused at load', async () => {
  const policy = makeArchive({'callrec.yml': 'state: s3://other/shared/pbx1\n'})
  const bad = makeArchive({'callrec.yml': 'state: s3://other//x\n'})
  try {
    await server.put('calls', recordings(1), 'f/')
    const env = host('host-a')
    const added = await callrecJson(['hold', 'add', 'r0.wav', '--archive', 's3://calls/f', '--policy', path.join(policy.dir, 'callrec.yml'), '--reason', 'x'], {env})
    assert.equal(added.code, 0, added.stderr)
    assert.equal(added.json.file, 's3://other/shared/pbx1/holds.json')
    assert.deepEqual(await keys('calls', 'f/.callrec/'), [])
    assert.ok((await keys('other', 'shared/pbx1/')).includes('holds.json'))
    const refused = await callrec(['hold', 'list', '--archive', 's3://calls/f', '--policy', path.join(bad.dir, 'callrec.yml')], {env})
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /callrec\.yml.*state.*not an S3 location for the shared state/)
    const local = await callrec(['hold', 'list', '--archive', policy.dir], {env})
    assert.equal(local.code, 2)
    assert.match(local.stderr, /state: s3:\/\/other\/shared\/pbx1 is for S3 archives/)
  } finally {
    policy.cleanup()
    bad.cleanup()
  }
})

test("an S3 archive's state left on this machine by an older callrec is imported once, journaled, and the chain goes on", async () => {
  await server.put('calls', recordings(2), 'g/')
  const env = host('host-a')
  // The old layout: $XDG_STATE_HOME/callrec/s3/BUCKET/PREFIX/.callrec/, made here by the local code on a folder.
  const old = makeArchive(recordings(2))
  try {
    assert.equal((await callrec(['hold', 'add', 'r0.wav', '--archive', old.dir, '--reason', 'old case'], {env})).code, 0)
    assert.equal((await callrec(['hold', 'add', '--caller', '+33612345671', '--archive', old.dir, '--reason', 'old caller'], {env})).code, 0)
    const oldState = path.join(env.XDG_STATE_HOME, 'callrec', 's3', 'calls', 'g', '.callrec')
    cpSync(path.join(old.dir, '.callrec'), oldState, {recursive: true})
    const oldJournal = readFileSync(path.join(oldState, 'journal.jsonl'))

    const first = await callrecJson(['hold', 'list', '--archive', 's3://calls/g'], {env})
    assert.match(first.stderr, /^callrec: moved this machine's state of s3:\/\/calls\/g \(.*\/callrec\/s3\/calls\/g\/\.callrec\) into s3:\/\/calls\/g\/\.callrec: journal \(\d+ bytes\) as the start of the shared journal, 2 hold\(s\), HMAC key imported; the local copy is left in place and no longer used\n$/)
    assert.deepEqual(first.json.holds.map((hold: {reason: string}) => hold.reason), ['old case', 'old caller'])
    const again = await callrec(['hold', 'list', '--archive', 's3://calls/g'], {env})
    assert.equal(again.stderr, '', 'said once')
    assert.ok(existsSync(path.join(oldState, 'journal.jsonl')), 'the local copy stays')
    assert.deepEqual(readFileSync(path.join(oldState, 'journal.jsonl')), oldJournal)
    // The caller hold still matches: the key came along.
    const find = await callrecJson(['find', 's3://calls/g', '--caller', '06 12 34 56 71', '--reason', 'x'], {env: host('host-b')})
    assert.equal(find.code, 0, find.stderr + JSON.stringify(find.json))
    assert.deepEqual(find.json.matches.map((match: {key: string; held?: boolean}) => [match.key, Boolean(match.held)]), [['r1.wav', true]])
    const verify = await callrecJson(['access-log', 'verify', 's3://calls/g'], {env: host('host-b')})
    assert.equal(verify.code, 0, JSON.stringify(verify.json.problems))
    const imports = await callrecJson(['access-log', 'export', 's3://calls/g', '--action', 'import'], {env})
    const [entry] = imports.json.entries ?? imports.json
    assert.equal(entry.details.from, oldState)
    assert.equal(entry.details.journal.bytes, oldJournal.length)
    assert.equal(entry.details.hmacKey, 'imported')
    assert.equal(entry.seq, 3, 'after the two hold entries of the old journal')
  } finally {
    old.cleanup()
  }
})

test('a second host whose own old state meets a bucket that has state: its journal kept beside, its holds added with entries', async () => {
  await server.put('calls', recordings(2), 'h/')
  const [hostA, hostB] = [host('host-a'), host('host-b')]
  assert.equal((await callrec(['hold', 'add', 'r0.wav', '--archive', 's3://calls/h', '--reason', 'shared'], {env: hostA})).code, 0)
  const old = makeArchive(recordings(2))
  try {
    assert.equal((await callrec(['hold', 'add', 'r1.wav', '--archive', old.dir, '--reason', 'only on b'], {env: hostB})).code, 0)
    cpSync(path.join(old.dir, '.callrec'), path.join(hostB.XDG_STATE_HOME, 'callrec', 's3', 'calls', 'h', '.callrec'), {recursive: true})
    const listed = await callrecJson(['hold', 'list', '--archive', 's3://calls/h'], {env: hostB})
    assert.match(listed.stderr, /journal \(\d+ bytes\) as s3:\/\/calls\/h\/\.callrec\/imported\/[0-9a-f]{16}\/journal\.jsonl, 1 hold\(s\), HMAC key bucket key kept/)
    assert.deepEqual(listed.json.holds.map((hold: {id: number; reason: string}) => [hold.id, hold.reason]), [[1, 'shared'], [2, 'only on b']])
    const verify = await callrecJson(['access-log', 'verify', 's3://calls/h'], {env: hostA})
    assert.equal(verify.code, 0, JSON.stringify(verify.json.problems))
  } finally {
    old.cleanup()
  }
})

test('access-log repair on S3: a chunk that is no entry is moved aside, and appends go on', async () => {
  await server.put('calls', recordings(1), 'i/')
  const env = host('host-a')
  assert.equal((await callrec(['hold', 'add', 'r0.wav', '--archive', 's3://calls/i', '--reason', 'x'], {env})).code, 0)
  const chunks = (await keys('calls', 'i/.callrec/journal/g000000/')).length
  await server.client.send(new PutObjectCommand({Bucket: 'calls', Key: 'i/.callrec/journal/g000000/999999999999999-garbage.jsonl', Body: 'not an entry\n'}))
  const damaged = await callrecJson(['access-log', 'verify', 's3://calls/i'], {env})
  assert.equal(damaged.code, 1)
  assert.ok(damaged.json.problems.some((problem: {kind: string}) => problem.kind === 'damaged'))
  const refused = await callrec(['hold', 'add', 'r0.wav', '--archive', 's3://calls/i', '--reason', 'y'], {env})
  assert.notEqual(refused.code, 0)
  const repaired = await callrecJson(['access-log', 'repair', 's3://calls/i', '--reason', 'test'], {env})
  assert.equal(repaired.code, 0, repaired.stderr)
  assert.match(repaired.json.savedTo, /^s3:\/\/calls\/i\/\.callrec\/journal\.damaged-/)
  assert.equal((await keys('calls', 'i/.callrec/journal/g000000/')).length, chunks + 1, 'the garbage chunk gone, the repair entry added')
  assert.equal((await callrec(['hold', 'add', 'r0.wav', '--archive', 's3://calls/i', '--reason', 'y'], {env})).code, 0)
  const verify = await callrecJson(['access-log', 'verify', 's3://calls/i'], {env})
  assert.equal(verify.code, 0, JSON.stringify(verify.json.problems))
})

test('appends that raced (a lock the server did not keep) are both kept as chunks at one offset, and verify reports the fork', async () => {
  Object.assign(process.env, server.env)
  const {openS3Store} = await import('../../src/store/s3.ts')
  const {S3State} = await import('../../src/state/s3.ts')
  const {FileJournal, readLines} = await import('../../src/journal/file.ts')
  const {verifyLines} = await import('../../src/journal/verify.ts')
  const state = new S3State((await openS3Store('s3://calls/j')).within('.callrec'))
  const files = state.journalFiles()
  const noLock = <T>(fn: () => Promise<T>) => fn()
  const writers = ['host-a', 'host-b'].map((name) => new FileJournal(state.journalName, {user: 'u', host: name}, {...files, lock: noLock}))
  const event = {action: 'hold' as const, command: 'hold add', keys: [], outcome: 'ok' as const}
  await writers[0].append(event)
  // Both read the same tail, then both write: what two hosts do when nothing keeps them apart.
  await Promise.all(writers.map((writer) => writer.append(event)))
  const chunks = (await keys('calls', 'j/.callrec/journal/g000000/')).map((key) => key.slice(0, 15))
  assert.equal(chunks.length, 3)
  assert.equal(chunks[1], chunks[2], 'two chunks at one offset')
  const lines = []
  for await (const line of readLines(files.journal)) lines.push(JSON.parse(line.text))
  assert.deepEqual(lines.map((entry) => [entry.seq, entry.actor.host]).slice(1).sort(), [[2, 'host-a'], [2, 'host-b']], 'nothing lost')
  const result = await verifyLines(readLines(files.journal), {now: new Date()})
  const layout = await files.journal.layoutProblems!()
  assert.equal(layout.length, 1)
  assert.match(layout[0], /two appends at once/)
  assert.ok(result.problems.length > 0, 'the chain shows the fork too')
})

test('prune on S3 writes a new generation whole, then removes the old one; appends go on in it', async () => {
  Object.assign(process.env, server.env)
  const {openS3Store} = await import('../../src/store/s3.ts')
  const {S3State} = await import('../../src/state/s3.ts')
  const {journalIn} = await import('../../src/journal/index.ts')
  const {readEntries} = await import('../../src/journal/file.ts')
  const state = new S3State((await openS3Store('s3://calls/p')).within('.callrec'))
  const journal = journalIn(state, {user: 'u', host: 'host-a'})
  const event = {action: 'hold' as const, command: 'hold add', keys: [], outcome: 'ok' as const}
  for (let i = 0; i < 3; i++) await journal.append(event)
  const {pruned, checkpoint} = await journal.prune(new Date(Date.now() + 60_000), {command: 'access-log prune'})
  assert.equal(pruned, 3)
  assert.deepEqual((await keys('calls', 'p/.callrec/journal/')).map((key) => key.replace(/-.*/, '')), ['g000001/000000000000000', 'g000001/COMPLETE'])
  await journal.append(event)
  const entries = []
  for await (const entry of readEntries(state.journalFiles().journal)) entries.push(entry)
  assert.deepEqual(entries.map((entry) => [entry.seq, entry.action]), [[4, 'prune'], [5, 'hold']])
  assert.equal(entries[0].details!.lastPrunedHash, checkpoint!.details!.lastPrunedHash)
  assert.equal(entries[1].prev, entries[0].hash)
  assert.equal((await journal.recordedHead())!.seq, 5)
})

test('access-log checkpoint on S3: signed on one host, verified with the public key on another', async () => {
  await server.put('calls', recordings(1), 'k/')
  const [hostA, hostB] = [host('host-a'), host('host-b')]
  const {execFileSync} = await import('node:child_process')
  const key = path.join(hostA.HOME, 'checkpoint')
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dpo', '-f', key])
  assert.equal((await callrec(['hold', 'add', 'r0.wav', '--archive', 's3://calls/k', '--reason', 'x'], {env: hostA})).code, 0)
  const signed = await callrecJson(['access-log', 'checkpoint', 's3://calls/k', '--sign', key], {env: hostA})
  assert.equal(signed.code, 0, JSON.stringify(signed.json))
  assert.equal(signed.json.seq, 2)
  const verify = await callrec(['access-log', 'verify', 's3://calls/k', '--pubkey', `${key}.pub`], {env: hostB})
  assert.equal(verify.code, 0, verify.stdout + verify.stderr)
  assert.match(verify.stdout, /1 signed checkpoint verified, the last covering #1:/)
})

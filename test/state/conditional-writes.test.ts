// Conditional writes as AWS S3 documents them (If-None-Match: * refused with 412 PreconditionFailed; 409
// ConditionalRequestConflict when conditional writes race), which no local server implements right: against
// a loopback endpoint replaying AWS's recorded responses (aws-replay.ts). Marked "(AWS semantics, recorded
// responses)" in each test name: the real servers are tested in s3-state.test.ts (s3rver) and ceph-state.test.ts.
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {after, before, test} from 'node:test'
import {CallrecError} from '../../src/errors.ts'
import {JournalWriteError, readLines} from '../../src/journal/file.ts'
import {journalIn} from '../../src/journal/index.ts'
import {verifyLines} from '../../src/journal/verify.ts'
import {S3State} from '../../src/state/s3.ts'
import {openS3Store} from '../../src/store/s3.ts'
import {startReplay, type Replay} from './aws-replay.ts'

let replay: Replay
const actor = {user: 'test', host: 'host-a'}
const event = {action: 'hold' as const, command: 'hold add', keys: ['a.wav'], outcome: 'ok' as const, details: {}}

before(async () => {
  replay = await startReplay('calls')
  Object.assign(process.env, replay.env)
})
after(() => replay?.stop())

async function freshState(prefix: string): Promise<S3State> {
  replay.beforePut = undefined
  return new S3State((await openS3Store(`s3://calls/${prefix}`)).within('.callrec'))
}

test('two hosts making the HMAC key at once: the one refused with 412 uses the other\'s key (AWS semantics, recorded responses)', async () => {
  const state = await freshState('k')
  const other = randomBytes(32).toString('hex')
  // Another host's key lands between this host's check and its PUT.
  replay.beforePut = (key) => {
    if (key === 'k/.callrec/hmac.key' && !replay.objects.has(key)) replay.objects.set(key, {body: Buffer.from(other + '\n'), modifiedAt: new Date()})
  }
  const key = await state.createHmacKey()
  assert.equal(key.toString('hex'), other)
  assert.ok(replay.log.includes('PUT k/.callrec/hmac.key If-None-Match: *'), replay.log.join('\n'))
  assert.equal(replay.objects.get('k/.callrec/hmac.key')!.body.toString(), other + '\n', 'never overwritten')
})

test('a journal chunk whose PUT meets 409 ConditionalRequestConflict is sent again and written once (AWS semantics, recorded responses)', async () => {
  const state = await freshState('c')
  let conflicts = 0
  replay.beforePut = (key) => {
    if (key.startsWith('c/.callrec/journal/') && conflicts++ === 0) return 'conflict'
  }
  await journalIn(state, actor).append(event)
  const chunks = [...replay.objects.keys()].filter((key) => key.startsWith('c/.callrec/journal/'))
  assert.equal(chunks.length, 1)
  assert.ok(replay.log.filter((line) => line === `PUT ${chunks[0]} If-None-Match: *`).length >= 2, replay.log.join('\n'))
  const result = await verifyLines(readLines(state.journalFiles().journal), {now: new Date(), headFile: (await journalIn(state, actor).recordedHead())!})
  assert.deepEqual(result.problems, [])
  assert.equal(result.entries, 1)
})

test('a journal chunk whose name is already taken (412) is never overwritten: the append fails and the run stops (AWS semantics, recorded responses)', async () => {
  const state = await freshState('t')
  replay.beforePut = (key) => {
    if (key.startsWith('t/.callrec/journal/') && !replay.objects.has(key)) replay.objects.set(key, {body: Buffer.from('theirs\n'), modifiedAt: new Date()})
  }
  const journal = journalIn(state, actor)
  await assert.rejects(journal.append(event), (error: Error) => error instanceof JournalWriteError && /journal write failed \(EEXIST/.test(error.message))
  const chunks = [...replay.objects.entries()].filter(([key]) => key.startsWith('t/.callrec/journal/'))
  assert.deepEqual(chunks.map(([, object]) => object.body.toString()), ['theirs\n'])
  await assert.rejects(journal.append(event), JournalWriteError, 'a journal that failed takes nothing more in this run')
})

test('the run lock on AWS: every lock object is created with If-None-Match: *, and a second run is refused with exit 4 (AWS semantics, recorded responses)', async () => {
  const state = await freshState('l')
  const other = new S3State((await openS3Store('s3://calls/l')).within('.callrec'))
  const lock = await state.tryRunLock('s3://calls/l')
  await assert.rejects(other.tryRunLock('s3://calls/l'), (error: Error) => error instanceof CallrecError && error.exitCode === 4)
  await lock.release()
  const puts = replay.log.filter((line) => line.startsWith('PUT l/.callrec/locks/'))
  assert.ok(puts.length >= 4 && puts.every((line) => line.endsWith('If-None-Match: *')), puts.join('\n'))
  assert.deepEqual([...replay.objects.keys()].filter((key) => key.startsWith('l/.callrec/locks/')), [])
  const again = await other.tryRunLock('s3://calls/l')
  await again.release()
})

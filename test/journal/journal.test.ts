import assert from 'node:assert/strict'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {before, describe, test} from 'node:test'
import {callrec, callrecJson, wav, tempArchive} from '../helpers.ts'
import {NOW, OLD, recordings} from '../purge/fixtures.ts'

const archive = tempArchive
const journalFile = (dir: string) => path.join(dir, '.callrec/journal.jsonl')
const lines = (dir: string) => readFileSync(journalFile(dir), 'utf8').trim().split('\n')

describe('access journal', () => {
  let dir: string
  before(async () => {
    dir = archive(recordings(6, () => true))
    assert.equal((await callrec(['purge', dir, '--now', NOW, '--yes'])).code, 0)
  })

  test('verify: an intact chain', async () => {
    const {code, stdout} = await callrec(['access-log', 'verify', dir])
    assert.equal(code, 0)
    assert.match(stdout, /6 entries, #1 to #6; chain intact; head [0-9a-f]{64}/)
  })

  test('verify names an edited, a removed and an inserted entry (exit 1)', async () => {
    const original = lines(dir)
    const check = async (tampered: string[]) => {
      writeFileSync(journalFile(dir), tampered.join('\n') + '\n')
      const result = await callrecJson(['access-log', 'verify', dir])
      assert.equal(result.code, 1)
      return result.json.problems.map((problem: {kind: string; message: string}) => `${problem.kind}: ${problem.message}`)
    }
    try {
      const edited = [...original]
      edited[2] = edited[2].replace('"outcome":"ok"', '"outcome":"refused"')
      assert.deepEqual(await check(edited), ['altered: entry #3 (line 3) was altered: its content no longer matches its hash'])

      const removed = original.filter((_, index) => index !== 3)
      assert.deepEqual(await check(removed), ['removed: entry #4 was removed between line 3 and line 4'])

      // An insertion crafted with care: chained to the entry before it, numbered, and with a correct hash of its own.
      const {createHash} = await import('node:crypto')
      const {canonicalJson} = await import('../../src/journal/canonical.ts')
      const forged = {...JSON.parse(original[1]), seq: 3, keys: ['calls/forged.wav'], prev: JSON.parse(original[1]).hash}
      delete forged.hash
      forged.hash = createHash('sha256').update(canonicalJson(forged)).digest('hex')
      const inserted = [...original.slice(0, 2), canonicalJson(forged), ...original.slice(2)]
      assert.deepEqual(await check(inserted), ['inserted: line 3 (#3) was inserted: entry #3 (line 4) chains to #2 (line 2) before it'])
    } finally {
      writeFileSync(journalFile(dir), original.join('\n') + '\n')
    }
  })

  test('concurrent writers neither interleave nor fork the chain', async () => {
    const busy = archive(recordings(8, () => false))
    const results = await Promise.all(Array.from({length: 8}, (_, i) => callrec(['hold', 'add', `calls/000${i}.wav`, '--archive', busy, '--reason', `case ${i}`])))
    assert.deepEqual(results.map((result) => result.code), Array(8).fill(0), results.map((result) => result.stderr).join(''))
    const entries = lines(busy).map((line) => JSON.parse(line))
    assert.deepEqual(entries.map((entry) => entry.seq), [1, 2, 3, 4, 5, 6, 7, 8])
    const holds = JSON.parse(readFileSync(path.join(busy, '.callrec/holds.json'), 'utf8')).holds
    assert.deepEqual(holds.map((hold: {id: number}) => hold.id).sort(), [1, 2, 3, 4, 5, 6, 7, 8])
    assert.equal((await callrec(['access-log', 'verify', busy])).code, 0)
  })

  test('prune removes old entries and leaves a checkpoint: the journal still verifies, appends still chain', async () => {
    const pruned = archive(recordings(2, () => true))
    for (const reason of ['first', 'second', 'third']) assert.equal((await callrec(['hold', 'add', 'calls/0000.wav', '--archive', pruned, '--reason', reason])).code, 0)
    const third = JSON.parse(lines(pruned)[2])
    // As of the third entry, "older than 0 days" is everything before it (a --now ahead of the clock is refused).
    assert.ok(Date.parse(third.time) > Date.parse(JSON.parse(lines(pruned)[1]).time), 'entries in distinct milliseconds')
    const ahead = await callrec(['access-log', 'prune', pruned, '--older-than', '365d', '--now', new Date(Date.now() + 365 * 86400_000).toISOString()])
    assert.equal(ahead.code, 2)
    assert.match(ahead.stderr, /--now .*: later than the clock/)
    const result = await callrecJson(['access-log', 'prune', pruned, '--older-than', '0d', '--now', third.time])
    assert.equal(result.code, 0)
    const entries = lines(pruned).map((line) => JSON.parse(line))
    assert.deepEqual(entries.map((entry) => entry.seq), [3, 4])
    assert.deepEqual(entries[1].details, {lastPrunedHash: JSON.parse(lines(pruned)[0]).prev, olderThan: entries[1].details.olderThan, pruned: 2, prunedThrough: 2})
    // calls/0000.wav is on hold: the purge deletes calls/0001.wav alone, entry #5.
    assert.equal((await callrec(['purge', pruned, '--now', NOW, '--yes'])).code, 0)
    const verify = await callrec(['access-log', 'verify', pruned])
    assert.equal(verify.code, 0, verify.stdout)
    assert.match(verify.stdout, /3 entries, #3 to #5 \(pruned through #2\); chain intact/)
  })

  test('export: filters, formats, and CSV cells that cannot run as formulas', async () => {
    const csvDir = archive({'x.wav': wav(0.05), 'x.json': {recordedAt: OLD, purpose: 'quality', callId: '=HYPERLINK("http://evil","x")'}})
    assert.equal((await callrec(['purge', csvDir, '--now', NOW, '--yes', '--reason', '+cmd|calc', '--actor', '@alice'])).code, 0)
    assert.equal((await callrec(['hold', 'add', '--glob', '**', '--archive', csvDir, '--reason', 'all'])).code, 0)
    const csv = await callrec(['access-log', 'export', csvDir, '--format', 'csv', '--action', 'purge'])
    assert.equal(csv.code, 0)
    const [header, row, ...rest] = csv.stdout.trim().split('\r\n')
    assert.equal(header, 'seq,time,user,host,actor,command,action,outcome,keys,reason,callId,details,prev,hash')
    assert.deepEqual(rest, [])
    assert.match(row, /,'@alice,purge,purge,ok,x\.wav,'\+cmd\|calc,"'=HYPERLINK\(""http:\/\/evil"",""x""\)",/)
    const ndjson = await callrec(['access-log', 'export', csvDir, '--format', 'ndjson', '--key', 'x.wav'])
    assert.deepEqual(ndjson.stdout.trim().split('\n').map((line) => JSON.parse(line).action), ['purge'])
    const json = await callrec(['access-log', 'export', csvDir, '--format', 'json', '--since', '1d', '--actor', 'nobody'])
    assert.deepEqual(JSON.parse(json.stdout), [])
  })

  test('the HMAC key is made on first use with mode 0600; the audit appends one entry per run', async () => {
    const keyed = archive(recordings(1, () => false, () => ({caller: '0612345678'})))
    assert.equal((await callrec(['find', keyed, '--caller', '06 12 34 56 78'])).code, 0)
    assert.equal(statSync(path.join(keyed, '.callrec/hmac.key')).mode & 0o777, 0o600)
    assert.equal((await callrec(['audit', keyed, '--now', NOW, '--format', 'json', '--fail-on', 'never'])).code, 0)
    const entries = lines(keyed).map((line) => JSON.parse(line))
    assert.deepEqual(entries.map((entry) => entry.action), ['find', 'audit'])
    assert.equal(entries[1].details.recordings, 1)
    assert.deepEqual(entries[1].keys, [])
    assert.ok(!readFileSync(journalFile(keyed), 'utf8').includes('612345678'))
  })
})

// Keys in the journal: stored masked beside their HMAC (src/journal/entry-keys.ts). What reads entries back
// still finds what it needs: purge finishing a killed run (from entries written masked, and from entries a
// previous release wrote with clear keys), verify on a journal of both kinds, export --show-personal.
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {after, describe, test} from 'node:test'
import {openArchive} from '../../src/archive.js'
import {protectEvent, resolveEntry} from '../../src/journal/entry-keys.js'
import {FileJournal} from '../../src/journal/file.js'
import {openJournal} from '../../src/journal/index.js'
import type {JournalEvent} from '../../src/journal/types.js'
import {callrec, makeArchive, wav} from '../helpers.ts'
import {NOW, OLD} from '../purge/fixtures.ts'

const CALL = (n: number) => `monitor/2025/01/10/in-06123456${String(n).padStart(2, '0')}-1001-20250110-093000-1736497800.${n}.wav`

test('protectEvent masks every key, path and typed text, keeps hashes; resolveEntry puts keys back', () => {
  const hmac = (key: string) => createHash('sha256').update(`test:${key}`).digest('hex')
  const sha256 = '0612345678ab'.padEnd(64, '0')
  const event: JournalEvent = {
    action: 'purge',
    command: 'purge',
    keys: [CALL(1)],
    reason: 'asked by 06 12 34 56 01',
    outcome: 'failed',
    details: {files: [{key: CALL(1), size: 3, sha256}], sidecar: CALL(1).replace('.wav', '.json'), why: `not deleted: ${CALL(1)}: EACCES`, output: `/tmp/x/${CALL(1)}`},
  }
  const stored = protectEvent(event, hmac)
  assert.doesNotMatch(JSON.stringify(stored), /0612345601/)
  assert.deepEqual(stored.keys, ['monitor/2025/01/10/in-0612••••01-1001-20250110-093000-1736497800.1.wav'])
  assert.equal(stored.reason, 'asked by 0612••••01')
  const details = stored.details as any
  assert.deepEqual(details.keyHmacs, [hmac(CALL(1))])
  assert.equal(details.files[0].keyHmac, hmac(CALL(1)))
  assert.equal(details.files[0].sha256, sha256, 'a hash that starts like a number is left alone')
  assert.equal(details.sidecarHmac, hmac(CALL(1).replace('.wav', '.json')))

  const entry = {...stored, seq: 1, time: '', actor: {user: 'u', host: 'h'}, prev: '', hash: ''}
  const lookup = new Map([[hmac(CALL(1)), CALL(1)]])
  const clear = resolveEntry(entry, lookup) as any
  assert.deepEqual(clear.keys, [CALL(1)])
  assert.equal(clear.details.files[0].key, CALL(1))
  assert.equal(clear.details.sidecar, undefined, 'a sidecar no file of the archive has now is dropped')
  const old = {...event, seq: 1, time: '', actor: {user: 'u', host: 'h'}, prev: '', hash: ''}
  assert.equal(resolveEntry(old, lookup), old, 'an entry written with clear keys is read as it is')
})

describe('a purge killed after journaling is finished from masked entries, and from clear ones', () => {
  // Four expired FreePBX recordings: #1 and #2 journaled by a killed run (masked entries), #3 journaled by a
  // previous release (clear keys), #4 journaled masked but put on hold since: undone, kept with its sidecar.
  const files: Record<string, Buffer | object> = {}
  for (const n of [1, 2, 3, 4]) {
    files[CALL(n)] = wav(0.05)
    files[CALL(n).replace('.wav', '.json')] = {recordedAt: OLD, purpose: 'quality', noticePlayed: true}
  }
  const made = makeArchive(files)
  after(() => made.cleanup())
  const sha = (key: string) => createHash('sha256').update(readFileSync(path.join(made.dir, key))).digest('hex')
  const claim = (n: number, run: string): JournalEvent => ({
    action: 'purge',
    command: 'purge',
    keys: [CALL(n)],
    outcome: 'ok',
    details: {run, rules: ['retention-expired'], files: [{key: CALL(n), size: 844, sha256: sha(CALL(n)), links: 1}], sidecar: CALL(n).replace('.wav', '.json')},
  })

  test('hold #4, write the killed runs\' entries and marker, then purge', async () => {
    assert.equal((await callrec(['hold', 'add', CALL(4), '--archive', made.dir, '--reason', 'dispute'])).code, 0)
    const archive = await openArchive({location: made.dir})
    const old = new FileJournal(path.join(made.dir, '.callrec/journal.jsonl'), {user: 'old', host: 'h'})
    await old.appendAll([claim(3, 'old-run')])
    await (await openJournal(archive)).appendAll([claim(1, 'new-run'), claim(2, 'new-run'), claim(4, 'new-run')])
    writeFileSync(path.join(made.dir, '.callrec/purge-pending.json'), JSON.stringify({runs: ['old-run', 'new-run']}) + '\n')
    const journal = readFileSync(path.join(made.dir, '.callrec/journal.jsonl'), 'utf8')
    assert.equal(journal.match(/0612345603/g)?.length, 3, 'the old entry holds its keys in clear (key, file, sidecar)')
    assert.doesNotMatch(journal.split('\n').filter((line) => !line.includes('old-run')).join('\n'), /06123456\d\d/)
    assert.equal((await callrec(['access-log', 'verify', made.dir])).code, 0, 'a journal with both kinds of entries verifies')

    const purge = await callrec(['purge', made.dir, '--now', NOW, '--yes', '--json'])
    assert.equal(purge.code, 0, purge.stderr)
    const result = JSON.parse(purge.stdout).result
    assert.equal(result.deleted.filter((item: any) => item.finished).length, 3, 'the three claims still due are finished')
    assert.equal(result.undone.length, 1)
    for (const n of [1, 2, 3]) {
      assert.ok(!existsSync(path.join(made.dir, CALL(n))), `#${n} deleted`)
      assert.ok(!existsSync(path.join(made.dir, CALL(n).replace('.wav', '.json'))), `#${n}'s sidecar deleted`)
    }
    assert.ok(existsSync(path.join(made.dir, CALL(4))), 'the held recording stays')
    assert.ok(existsSync(path.join(made.dir, CALL(4).replace('.wav', '.json'))), 'and its sidecar')
    const entries = readFileSync(path.join(made.dir, '.callrec/journal.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))
    const undo = entries.find((entry) => entry.outcome === 'failed')
    assert.equal(entries.find((entry) => entry.seq === undo.details.undoes).keys[0], undo.keys[0])
    assert.match(undo.keys[0], /in-0612••••04-/, 'the undo entry names the key masked, as every new entry')
    assert.equal(entries.filter((entry) => entry.action === 'purge' && entry.outcome === 'ok').length, 4, 'no new entry for what was finished')
    assert.equal((await callrec(['access-log', 'verify', made.dir])).code, 0)

    // The auditor's way back: the held recording is still there, so --show-personal names it in clear.
    const shown = (await callrec(['access-log', 'export', made.dir, '--show-personal', '--format', 'ndjson'])).stdout.trim().split('\n').map((line) => JSON.parse(line))
    assert.deepEqual(shown.filter((entry) => entry.keys[0] === CALL(4)).map((entry) => entry.action), ['hold', 'purge', 'purge'])
    // --key finds a recording's entries by their HMAC, in either form (`x.wav` now, `x.wav.age` once encrypted), deleted or not.
    const actions = async (key: string) => (await callrec(['access-log', 'export', made.dir, '--key', key, '--format', 'ndjson'])).stdout.trim().split('\n').map((line) => JSON.parse(line).action)
    assert.deepEqual(await actions(`${CALL(4)}.age`), ['hold', 'purge', 'purge'])
    assert.deepEqual(await actions(CALL(1)), ['purge'])
    assert.deepEqual(await actions(CALL(3)), ['purge'], 'an entry with its key in clear, too')
  })
})

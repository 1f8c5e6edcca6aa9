// Issue 9, item 3: real edits of the journal file that `access-log verify` must catch, and the repair of a
// damaged end. Each test edits the files as someone with write access to the journal's folder would.
import assert from 'node:assert/strict'
import {existsSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync, appendFileSync} from 'node:fs'
import path from 'node:path'
import {describe, test} from 'node:test'
import {canonicalJson} from '../../src/journal/canonical.ts'
import {callrec, callrecJson, tempArchive} from '../helpers.ts'
import {NOW, recordings} from '../purge/fixtures.ts'
import {entries, headFile, journalFile, lines, rechain, writeJournal} from './helpers.ts'

/** An archive whose journal holds 3 hold entries, 1 release and the purge of 2 recordings (6 entries). */
async function journaled(): Promise<string> {
  const dir = tempArchive(recordings(5, (i) => i >= 3))
  for (const i of [0, 1, 2]) assert.equal((await callrec(['hold', 'add', `calls/000${i}.wav`, '--archive', dir, '--reason', `case ${i}`])).code, 0)
  assert.equal((await callrec(['hold', 'release', '--id', '2', '--archive', dir, '--reason', 'closed'])).code, 0)
  const purge = await callrec(['purge', dir, '--now', NOW, '--yes'])
  assert.equal(purge.code, 0, purge.stderr)
  assert.equal(lines(dir).length, 6)
  return dir
}

const verify = (dir: string, ...extra: string[]) => callrecJson(['access-log', 'verify', dir, ...extra])
const kinds = (json: {problems: {kind: string}[]}) => json.problems.map((problem) => problem.kind)

describe('tampering that verify catches', () => {
  test('purge prints the journal head; --head checks that the journal still extends it', async () => {
    const dir = tempArchive(recordings(2, () => true))
    const purge = await callrec(['purge', dir, '--now', NOW, '--yes'])
    const head = /journal head (\d+:[0-9a-f]{64})/.exec(purge.stdout)?.[1]
    assert.equal(head, `2:${entries(dir)[1].hash}`)
    assert.equal((await verify(dir, '--head', head!)).code, 0)
    assert.equal((await callrec(['hold', 'add', '--glob', '**', '--even-if-none', '--archive', dir, '--reason', 'later'])).code, 0)
    assert.equal((await verify(dir, '--head', head!)).code, 0, 'a journal that grew still extends the head')
    const bad = await verify(dir, '--head', `2:${'0'.repeat(64)}`)
    assert.equal(bad.code, 1)
    assert.match(bad.json.problems[0].message, /pinned head 2:0+: the journal's entry #2 has another hash/)
    assert.equal((await callrec(['access-log', 'verify', dir, '--head', 'nonsense'])).code, 2)
  })

  test('the last entries cut off: the head file and a pinned head show it', async () => {
    const dir = await journaled()
    const head = `6:${entries(dir)[5].hash}`
    writeFileSync(journalFile(dir), lines(dir).slice(0, 4).join('\n') + '\n')
    const {code, json} = await verify(dir)
    assert.equal(code, 1)
    assert.deepEqual(kinds(json), ['truncated'])
    assert.match(json.problems[0].message, /the head file says 6:[0-9a-f]+: the journal ends at #4/)
    // The head file rewritten to match as well: the head kept elsewhere (a certificate, monitoring) still shows it.
    writeJournal(dir, entries(dir))
    assert.equal((await verify(dir)).code, 0)
    const pinned = await verify(dir, '--head', head)
    assert.equal(pinned.code, 1)
    assert.match(pinned.json.problems[0].message, /pinned head 6:.*the journal ends at #4/)
  })

  test('an emptied or deleted journal fails against its head file', async () => {
    const dir = await journaled()
    writeFileSync(journalFile(dir), '')
    const emptied = await callrec(['access-log', 'verify', dir])
    assert.equal(emptied.code, 1)
    assert.match(emptied.stdout, /the journal ends at #0: entries were removed from its end \(it is empty or gone\)/)
    unlinkSync(journalFile(dir))
    assert.equal((await verify(dir)).code, 1)
    // Both deleted: the holds file still names holds that the (missing) journal never recorded.
    unlinkSync(headFile(dir))
    const both = await verify(dir)
    assert.equal(both.code, 1)
    assert.deepEqual(kinds(both.json), ['holds', 'holds'])
  })

  test('a consistent rewrite without the hold entries: the holds file and a pinned head show it', async () => {
    const dir = await journaled()
    const head = `6:${entries(dir)[5].hash}`
    const without = rechain(entries(dir).filter((entry) => entry.action !== 'hold'))
    writeJournal(dir, without)
    const {code, json} = await verify(dir)
    assert.equal(code, 1)
    assert.deepEqual(kinds(json), ['holds', 'holds'])
    assert.match(json.problems[0].message, /hold #1 in the holds file has no journal entry/)
    // The hold and its release both removed: only a head kept elsewhere shows it.
    const original = entries(dir)
    writeJournal(dir, rechain(original.filter((entry) => entry.action !== 'release')))
    const pinned = await verify(dir, '--head', head)
    assert.equal(pinned.code, 1)
  })

  test('a hold removed from the holds file behind the journal\'s back', async () => {
    const dir = await journaled()
    const holds = path.join(dir, '.callrec/holds.json')
    writeFileSync(holds, JSON.stringify({holds: JSON.parse(readFileSync(holds, 'utf8')).holds.slice(1)}))
    const {code, json} = await verify(dir)
    assert.equal(code, 1)
    assert.match(json.problems[0].message, /hold #1 \(journal entry #1\) is not in the holds file and no release entry says it ended/)
  })

  test('the first entries dropped and a forged prune checkpoint appended', async () => {
    const dir = await journaled()
    const all = entries(dir)
    const kept = all.slice(3)
    // What a forger with the journal's folder can write: a checkpoint naming the last dropped entry, chained and hashed.
    const time = new Date().toISOString()
    const forged = rechain(
      [{action: 'prune', command: 'access-log prune', keys: [], outcome: 'ok', actor: all[0].actor, details: {pruned: 3, prunedThrough: 3, lastPrunedHash: all[2].hash, lastPrunedTime: '2020-01-01T00:00:00.000Z', olderThan: time}}],
      all[5],
      () => time,
    )
    writeJournal(dir, [...kept, ...forged])
    const {code, json} = await verify(dir)
    assert.equal(code, 1)
    const messages = json.problems.map((problem: {message: string}) => problem.message).join('\n')
    assert.match(messages, /removed entries newer than/)
    // A cutoff that respects the 6-month floor does not help: the first entry kept says when the last dropped one was written.
    const older = new Date(Date.now() - 200 * 86400_000).toISOString()
    writeJournal(dir, [...kept, ...rechain([{...forged[0], details: {...forged[0].details, olderThan: older}}], all[5], () => time)])
    const again = await verify(dir)
    assert.equal(again.code, 1)
    assert.match(again.json.problems.map((problem: {message: string}) => problem.message).join('\n'), /but the last removed one was written at .*: entries were removed and the checkpoint forged/)
  })

  test('a trailing line that is not an entry: verify reports it, appends and hold changes refuse, repair moves it aside', async () => {
    const dir = await journaled()
    const holdsBefore = readFileSync(path.join(dir, '.callrec/holds.json'), 'utf8')
    appendFileSync(journalFile(dir), 'not json at all\n')
    const damaged = await verify(dir)
    assert.equal(damaged.code, 1)
    assert.deepEqual(kinds(damaged.json), ['damaged'])
    const add = await callrec(['hold', 'add', 'calls/0001.wav', '--archive', dir, '--reason', 'x'])
    assert.equal(add.code, 2)
    assert.match(add.stderr, /damaged at byte \d+ \(the last line is not a journal entry\); nothing appended/)
    assert.equal((await callrec(['hold', 'release', '--id', '1', '--archive', dir])).code, 2)
    assert.equal(readFileSync(path.join(dir, '.callrec/holds.json'), 'utf8'), holdsBefore, 'no hold changed without its entry')
    assert.equal((await callrec(['purge', dir, '--now', NOW, '--yes'])).code, 2)

    const repair = await callrecJson(['access-log', 'repair', dir, '--reason', 'test'])
    assert.equal(repair.code, 0)
    assert.equal(readFileSync(repair.json.savedTo, 'utf8'), 'not json at all\n')
    const repaired = entries(dir)
    assert.deepEqual([repaired.length, repaired[6].action, repaired[6].details.bytes], [7, 'repair', 16])
    assert.equal((await verify(dir)).code, 0)
    assert.equal((await callrec(['hold', 'add', 'calls/0001.wav', '--archive', dir, '--reason', 'x'])).code, 0)
    assert.equal((await callrecJson(['access-log', 'repair', dir])).json.repaired, false)
  })

  test('a torn append (no end of line) is reported, never cut off by the next append', async () => {
    const dir = await journaled()
    const size = readFileSync(journalFile(dir)).length
    const torn = '{"action":"purge","command":"pu'
    appendFileSync(journalFile(dir), torn)
    assert.deepEqual(kinds((await verify(dir)).json), ['damaged'])
    const add = await callrec(['hold', 'add', 'calls/0001.wav', '--archive', dir, '--reason', 'x'])
    assert.equal(add.code, 2)
    assert.match(add.stderr, /an append cut short/)
    assert.equal(readFileSync(journalFile(dir)).length, size + torn.length, 'the torn bytes stay until repair')
    assert.equal((await callrec(['access-log', 'repair', dir])).code, 0)
    const side = readdirSync(path.join(dir, '.callrec')).filter((name) => name.includes('.damaged-'))
    assert.equal(side.length, 1)
    assert.equal(readFileSync(path.join(dir, '.callrec', side[0]), 'utf8'), torn)
    assert.equal((await verify(dir)).code, 0)
  })

  test('garbage in the middle is tampering: repair refuses it', async () => {
    const dir = await journaled()
    const all = lines(dir)
    writeFileSync(journalFile(dir), [...all.slice(0, 5), 'garbage', 'more garbage'].join('\n') + '\n')
    const repair = await callrec(['access-log', 'repair', dir])
    assert.equal(repair.code, 2)
    assert.match(repair.stderr, /more than a torn append/)
    assert.equal(lines(dir).length, 7)
  })
})

describe('prune', () => {
  /** A journal whose 3 first entries are a year old (rewritten with old times, and a head file to match). */
  async function aged(): Promise<{dir: string; before: any[]}> {
    const dir = tempArchive(recordings(2, () => false))
    for (const reason of ['first', 'second', 'third', 'fourth']) assert.equal((await callrec(['hold', 'add', 'calls/0000.wav', '--archive', dir, '--reason', reason])).code, 0)
    const year = Date.now() - 400 * 86400_000
    const before = rechain(entries(dir), undefined, (i) => new Date(i < 3 ? year + i * 1000 : Date.now() - 1000).toISOString())
    writeJournal(dir, before)
    // The holds file's dates follow the journal's.
    const holds = path.join(dir, '.callrec/holds.json')
    const file = JSON.parse(readFileSync(holds, 'utf8'))
    file.holds.forEach((hold: {since: string}, i: number) => (hold.since = before[i].time))
    writeFileSync(holds, JSON.stringify(file))
    assert.equal((await verify(dir)).code, 0)
    return {dir, before}
  }

  test('refuses a cutoff under the retention, a future --now, and acting without a terminal or --yes', async () => {
    const {dir} = await aged()
    const size = readFileSync(journalFile(dir)).length
    for (const args of [['--now', '2030-01-01T00:00:00Z', '--older-than', '1d', '--yes'], ['--older-than', '0d', '--yes'], ['--older-than', '1d', '--yes'], ['--older-than', '5 months', '--yes'], []]) {
      const result = await callrec(['access-log', 'prune', dir, ...args])
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
    }
    assert.match((await callrec(['access-log', 'prune', dir, '--older-than', '0d', '--yes'])).stderr, /shorter than the journal's retention \(policy journal.retention 12 months, and never under 6 months/)
    assert.match((await callrec(['access-log', 'prune', dir])).stderr, /refusing to remove 3 journal entries without confirmation/)
    assert.equal(readFileSync(journalFile(dir)).length, size)
  })

  test('removes what is past retention; its checkpoint verifies, and appends go on', async () => {
    const {dir, before} = await aged()
    const result = await callrecJson(['access-log', 'prune', dir, '--yes'])
    assert.equal(result.code, 0, JSON.stringify(result.json))
    const after = entries(dir)
    assert.deepEqual(after.map((entry) => entry.seq), [4, 5])
    assert.deepEqual(after[1].details, {lastPrunedHash: before[2].hash, lastPrunedTime: before[2].time, olderThan: result.json.cutoff, pruned: 3, prunedThrough: 3})
    assert.ok(after[1].details.olderThan < after[1].time)
    assert.equal((await callrec(['hold', 'add', 'calls/0001.wav', '--archive', dir, '--reason', 'after'])).code, 0)
    const verified = await callrec(['access-log', 'verify', dir])
    assert.equal(verified.code, 0, verified.stdout)
    assert.match(verified.stdout, /3 entries, #4 to #6 \(pruned through #3\); chain intact/)
    assert.equal(JSON.parse(readFileSync(headFile(dir), 'utf8')).seq, 6)
    // Heads pinned before the prune: the last pruned one is still checked (the first entry kept names its hash).
    const pins = await verify(dir, '--head', `3:${before[2].hash}`, '--head', `1:${before[0].hash}`)
    assert.equal(pins.code, 0)
    assert.deepEqual(pins.json.pins, [{head: `3:${before[2].hash}`, found: 'yes'}, {head: `1:${before[0].hash}`, found: 'pruned'}])
    assert.equal((await verify(dir, '--head', `3:${before[1].hash}`)).code, 1)
  })

  test('a checkpoint moved to a later position or with its cutoff edited does not verify', async () => {
    const {dir} = await aged()
    assert.equal((await callrec(['access-log', 'prune', dir, '--yes'])).code, 0)
    const [kept, checkpoint] = entries(dir)
    const edited = rechain([{...checkpoint, details: {...checkpoint.details, olderThan: new Date().toISOString()}}], kept)
    writeJournal(dir, [kept, ...edited])
    assert.equal((await verify(dir)).code, 1)
    // And the checkpoint line alone, edited in place: its hash no longer matches.
    writeFileSync(journalFile(dir), [canonicalJson(kept), canonicalJson({...checkpoint, details: {...checkpoint.details, pruned: 1}})].join('\n') + '\n')
    assert.deepEqual(kinds((await verify(dir)).json), ['altered', 'altered'])
    assert.ok(existsSync(headFile(dir)))
    rmSync(dir, {recursive: true, force: true})
  })
})

import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, readFileSync, rmSync, statSync} from 'node:fs'
import path from 'node:path'
import {after, test} from 'node:test'
import {BIN, callrec, makeArchive} from '../helpers.ts'
import {ageLocks, listFiles, NOW, recordings} from './fixtures.ts'

// A purge of a few hundred recordings killed with SIGKILL again and again, at different points (while
// scanning, right after a batch of entries reached the journal, in the middle of unlinking), each time
// followed by checks of what it left; then a run to the end. Kill points are chosen by watching the journal
// grow, so they differ from run to run; the checks hold at every one of them.
const COUNT = 750
const expired = (i: number) => i % 3 !== 0
const dir = makeArchive(recordings(COUNT, expired, (i) => (i === 7 ? {legalHold: {reason: 'court order'}} : {}))).dir
after(() => rmSync(dir, {recursive: true, force: true}))
const journalFile = path.join(dir, '.callrec/journal.jsonl')
const key = (i: number) => `calls/${String(i).padStart(4, '0')}.wav`
const original = new Map(Array.from({length: COUNT}, (_, i) => [key(i), readFileSync(path.join(dir, key(i)))]))

function entries(): any[] {
  if (!existsSync(journalFile)) return []
  return readFileSync(journalFile, 'utf8').split('\n').filter((line) => line.endsWith('}')).map((line) => JSON.parse(line))
}

type KillPoint = {scanning: true} | {journaled: number} | {unlinked: number}

/**
 * Starts a purge and SIGKILLs it: while it scans (its lock exists, no new entry yet), once `journaled` new
 * entries reached the journal, or once `unlinked` more recordings are gone.
 */
function purgeKilledAt(point: KillPoint, batch: number): Promise<void> {
  const startEntries = entries().length
  const startFiles = listFiles(dir).length
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'purge', dir, '--now', NOW, '--yes', '--batch', String(batch)], {stdio: 'ignore'})
    const poll = setInterval(() => {
      const now =
        'scanning' in point
          ? existsSync(path.join(dir, '.callrec/archive.lock'))
          : 'journaled' in point
            ? entries().length >= startEntries + point.journaled
            : listFiles(dir).length <= startFiles - 2 * point.unlinked
      if (now) child.kill('SIGKILL')
    }, 1)
    child.on('exit', () => {
      clearInterval(poll)
      resolve()
    })
  })
}

/** What must hold after any kill: no file gone without its entry, nothing not expired or held touched. */
function checkInvariants(held: Set<string>, vanished: Set<string>): {journaledButPresent: number} {
  const present = new Set(listFiles(dir))
  const ok = entries().filter((entry) => entry.action === 'purge' && entry.outcome === 'ok')
  const undone = new Set(entries().filter((entry) => entry.outcome === 'failed').map((entry) => entry.details.undoes))
  const journaled = new Set(ok.filter((entry) => !undone.has(entry.seq)).flatMap((entry) => entry.keys))
  let journaledButPresent = 0
  for (let i = 0; i < COUNT; i++) {
    const file = key(i)
    if (!expired(i) || held.has(file)) {
      assert.ok(present.has(file), `${file} is not past retention or is held, yet it is gone`)
      assert.deepEqual(readFileSync(path.join(dir, file)), original.get(file), `${file} was changed`)
      assert.ok(!journaled.has(file) || held.has(file), `${file} is journaled as purged`)
    } else if (!present.has(file) && !vanished.has(file)) {
      assert.ok(journaled.has(file), `${file} is gone without a journal entry`)
    } else if (present.has(file) && journaled.has(file)) {
      journaledButPresent++
    }
  }
  return {journaledButPresent}
}

test('SIGKILL at many points during a purge, then a rerun: every expired file gone with its entry, nothing else touched', async () => {
  const held = new Set([key(7)])
  const vanished = new Set<string>()
  let windows = 0
  const points: [KillPoint, number][] = [
    [{scanning: true}, 50],
    [{journaled: 1}, 50],
    [{unlinked: 30}, 50],
    [{journaled: 60}, 7],
    [{unlinked: 5}, 100],
    [{journaled: 1}, 100],
    [{unlinked: 20}, 1],
    [{journaled: 13}, 13],
    [{scanning: true}, 500],
    [{unlinked: 40}, 29],
    [{journaled: 3}, 3],
  ]
  for (const [index, [point, batch]] of points.entries()) {
    await purgeKilledAt(point, batch)
    windows += checkInvariants(held, vanished).journaledButPresent > 0 ? 1 : 0
    if (process.env.CRASH_DEBUG) console.log(`# kill ${index}: ${entries().length} entries, ${listFiles(dir).length} files`)
    ageLocks(dir)
    if (index === 2) {
      // A hold added between two runs, on a recording that may already be journaled: it must stay.
      const target = [...Array(COUNT).keys()].map(key).find((file, i) => expired(i) && existsSync(path.join(dir, file)) && !held.has(file))!
      assert.equal((await callrec(['hold', 'add', target, '--archive', dir, '--reason', 'new dispute'])).code, 0)
      held.add(target)
      // And a file removed by someone else meanwhile: not an error.
      const journaled = new Set(entries().flatMap((entry) => entry.keys))
      const gone = [...Array(COUNT).keys()].map(key).find((file, i) => expired(i) && existsSync(path.join(dir, file)) && !held.has(file) && !journaled.has(file))!
      rmSync(path.join(dir, gone))
      vanished.add(gone)
    }
  }
  const final = await callrec(['purge', dir, '--now', NOW, '--yes'])
  assert.equal(final.code, 0, final.stderr)
  checkInvariants(held, vanished)

  const present = new Set(listFiles(dir))
  for (let i = 0; i < COUNT; i++) {
    const file = key(i)
    const keep = !expired(i) || held.has(file)
    assert.equal(present.has(file), keep, `${file} ${keep ? 'must stay' : 'must be gone'}`)
    assert.equal(present.has(file.replace(/\.wav$/, '.json')), keep || vanished.has(file), `sidecar of ${file}`)
  }
  const all = entries()
  const undone = new Set(all.filter((entry) => entry.outcome === 'failed').map((entry) => entry.details.undoes))
  for (const entry of all.filter((entry) => entry.action === 'purge' && entry.outcome === 'ok' && !undone.has(entry.seq))) {
    for (const file of entry.keys) assert.ok(!present.has(file), `journal entry #${entry.seq} names ${file}, which still exists`)
  }
  assert.ok(!existsSync(path.join(dir, '.callrec/purge-pending.json')), 'the pending marker is gone after a complete run')
  const verify = await callrec(['access-log', 'verify', dir])
  assert.equal(verify.code, 0, verify.stdout)
  // Diagnostics, not assertions: how often a kill landed between a batch's entries and its unlinks.
  console.log(`# kills that left journaled files to finish: ${windows} of ${points.length}`)
})

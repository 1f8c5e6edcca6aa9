// Issue 9, item 1: the journal on its own small volume (as the docs recommend) fills up during a purge. The
// run must stop before its next deletion, exit 3, say how far it got; no deletion may lack its entry, and
// the journal must stay whole (no torn line). Once there is room again, the next run finishes the job.
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {execFile} from 'node:child_process'
import {describe, test} from 'node:test'
import {promisify} from 'node:util'
import {generateX25519Identity, identityToRecipient} from 'age-encryption'
import {BIN, tempArchive, wav, type ArchiveFiles} from '../helpers.ts'
import {onFullDisk, pattern, tempFolder} from '../crypto/helpers.ts'
import {NOW, recordings} from '../purge/fixtures.ts'

const COUNT = 500

describe('a full journal volume', () => {
  test(`purge of ${COUNT} recordings with the journal on a small tmpfs`, {timeout: 300_000}, async (t) => {
    const dir = tempArchive(recordings(COUNT, () => true))
    const template = await tempFolder()
    // Room for a few batches of entries; the filler is removed to make room for the second run.
    writeFileSync(path.join(template, 'filler'), pattern(320 * 1024))
    const out = mkdtempSync(path.join(tmpdir(), 'callrec-full-'))
    if (!process.env.KEEP) t.after(() => void import('node:fs').then((fs) => fs.rmSync(out, {recursive: true, force: true})))
    const node = `"${process.execPath}" "${BIN}"`
    const script = [
      `printf 'journal: {path: MOUNT/journal.jsonl}\\n' > "${dir}/callrec.yml"`,
      `${node} purge "${dir}" --now ${NOW} --yes --batch 40 > "${out}/first.out" 2> "${out}/first.err"; echo $? > "${out}/first.code"`,
      `cp MOUNT/journal.jsonl "${out}/first.jsonl"; ls "${dir}/calls" > "${out}/first.ls"`,
      `${node} access-log verify "${dir}" --json > "${out}/verify.json"; echo $? > "${out}/verify.code"`,
      `rm MOUNT/filler`,
      `${node} purge "${dir}" --now ${NOW} --yes --batch 40 > "${out}/second.out" 2> "${out}/second.err"; echo $? > "${out}/second.code"`,
      `cp MOUNT/journal.jsonl "${out}/second.jsonl"`,
      `${node} access-log verify "${dir}" > "${out}/verify2.out"; echo $? > "${out}/verify2.code"`,
    ].join('\n')
    const run = await onFullDisk(template, 512 * 1024, ['sh', '-c', script])
    assert.equal(run.code, 0, run.stderr)
    const read = (name: string) => readFileSync(path.join(out, name), 'utf8')

    // The first run stopped, said so and how far it got.
    assert.equal(read('first.code').trim(), '3', read('first.err'))
    const first = read('first.out')
    const stopped = /STOPPED: .*ENOSPC.*\n {2}last journaled entry #(\d+); (\d+) recordings deleted \(each with its entry\); (\d+) not reached/.exec(first)
    assert.ok(stopped, first)
    const [lastSeq, deleted, notReached] = stopped.slice(1).map(Number)
    const journal = read('first.jsonl').split('\n').filter(Boolean).map((line) => JSON.parse(line))
    assert.equal(journal.at(-1).seq, lastSeq)
    assert.ok(deleted > 0 && deleted < COUNT && notReached > 0, first)
    // Every recording gone has its entry; the journal ends on a whole line.
    assert.ok(read('first.jsonl').endsWith('\n'))
    const journaled = new Set(journal.filter((entry) => entry.action === 'purge' && entry.outcome === 'ok').flatMap((entry) => entry.keys))
    const left = new Set(read('first.ls').split('\n'))
    let gone = 0
    for (let i = 0; i < COUNT; i++) {
      const key = `calls/${String(i).padStart(4, '0')}.wav`
      if (left.has(path.basename(key))) continue
      gone++
      assert.ok(journaled.has(key), `${key} deleted without its journal entry`)
    }
    assert.equal(gone, deleted)
    assert.equal(read('verify.code').trim(), '0', read('verify.json'))
    t.diagnostic(`first run: ${deleted} deleted, stopped at entry #${lastSeq}, ${notReached} not reached`)

    // With room again, the next run finishes: everything deleted, each once in the journal.
    assert.equal(read('second.code').trim(), '0', read('second.err'))
    const all = read('second.jsonl').split('\n').filter(Boolean).map((line) => JSON.parse(line))
    const keys = all.filter((entry) => entry.action === 'purge' && entry.outcome === 'ok').flatMap((entry) => entry.keys)
    assert.equal(new Set(keys).size, COUNT)
    for (let i = 0; i < COUNT; i++) assert.ok(!existsSync(path.join(dir, `calls/${String(i).padStart(4, '0')}.wav`)))
    assert.equal(read('verify2.code').trim(), '0', read('verify2.out'))
  })

  test('a read-only journal volume: nothing deleted, exit 3, and why', async () => {
    const dir = tempArchive(recordings(3, () => true))
    const mount = await tempFolder()
    writeFileSync(path.join(dir, 'callrec.yml'), `journal: {path: ${mount}/journal.jsonl}\n`)
    const script = 'mount -t tmpfs -o ro,size=64k tmpfs "$1" && shift && exec "$@"'
    const result = await promisify(execFile)('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script, 'sh', mount, process.execPath, BIN, 'purge', dir, '--now', NOW, '--yes']).then(
      () => ({code: 0, stderr: ''}),
      (error) => ({code: error.code as number, stderr: error.stderr as string}),
    )
    assert.equal(result.code, 3)
    assert.match(result.stderr, /journal not usable \(EROFS: read-only file system.*\); nothing was done/)
    for (let i = 0; i < 3; i++) assert.ok(existsSync(path.join(dir, `calls/000${i}.wav`)))
  })

  test('encrypt with the journal on a small tmpfs: stops, exit 3, no plaintext removed without its entry', {timeout: 300_000}, async () => {
    const recipient = await identityToRecipient(await generateX25519Identity())
    const files: ArchiveFiles = {}
    for (let i = 0; i < 400; i++) files[`calls/${String(i).padStart(4, '0')}.wav`] = wav(0.01)
    const dir = tempArchive(files)
    const template = await tempFolder()
    writeFileSync(path.join(template, 'filler'), pattern(200 * 1024))
    const out = await tempFolder()
    const script = [
      `printf 'journal: {path: MOUNT/journal.jsonl}\\nencryption: {recipients: [${recipient}]}\\n' > "${dir}/callrec.yml"`,
      `"${process.execPath}" "${BIN}" encrypt "${dir}" --yes > "${out}/out" 2> "${out}/err"; echo $? > "${out}/code"`,
      `cp MOUNT/journal.jsonl "${out}/journal.jsonl"`,
    ].join('\n')
    const run = await onFullDisk(template, 256 * 1024, ['sh', '-c', script])
    assert.equal(run.code, 0, run.stderr)
    const read = (name: string) => readFileSync(path.join(out, name), 'utf8')
    assert.equal(read('code').trim(), '3', read('err'))
    assert.match(read('err'), /STOPPED: .*ENOSPC[\s\S]*last journaled entry #\d+; \d+ recordings encrypted/)
    const journaled = new Set(read('journal.jsonl').split('\n').filter(Boolean).flatMap((line) => JSON.parse(line).keys))
    let removed = 0
    for (const key of Object.keys(files)) {
      if (existsSync(path.join(dir, key))) continue
      removed++
      assert.ok(journaled.has(key), `${key}: plaintext removed without its entry`)
      assert.ok(existsSync(path.join(dir, `${key}.age`)))
    }
    assert.ok(removed > 0 && removed < 400, `${removed} removed`)
  })
})

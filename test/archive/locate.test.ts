// Which archive a command works on, and so whose journal records it: the one holding the file, wherever the
// command runs from; never the current folder by default.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, test} from 'node:test'
import {callrec, makeArchive, wav} from '../helpers.ts'

const cleanups: (() => void)[] = []
after(() => cleanups.forEach((cleanup) => cleanup()))

function emptyFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrec-elsewhere-'))
  cleanups.push(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

const journalOf = (dir: string) =>
  existsSync(path.join(dir, '.callrec/journal.jsonl'))
    ? readFileSync(path.join(dir, '.callrec/journal.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))
    : []

describe('finding the archive', () => {
  test('decrypt FILE from another folder journals to the archive holding FILE (the nearest callrec.yml up, a nested one included)', async () => {
    const keys = emptyFolder()
    const key = path.join(keys, 'dpo.key')
    const recipient = (await callrec(['keygen', '-o', key])).stdout.trim()
    const made = makeArchive({'callrec.yml': 'timezone: UTC\n', 'calls/x.wav': wav(), 'pbx2/callrec.yml': 'timezone: UTC\n', 'pbx2/y.wav': wav()})
    cleanups.push(made.cleanup)
    for (const file of ['calls/x.wav', 'pbx2/y.wav']) execFileSync('age', ['-r', recipient, '-o', path.join(made.dir, `${file}.age`), path.join(made.dir, file)])
    const elsewhere = emptyFolder()

    const out = await callrec(['decrypt', path.join(made.dir, 'calls/x.wav.age'), path.join(made.dir, 'pbx2/y.wav.age'), '-i', key, '--reason', 'complaint 12', '-o', elsewhere], {cwd: elsewhere})
    assert.equal(out.code, 0, out.stderr)
    assert.deepEqual(readdirSync(elsewhere).sort(), ['x.wav', 'y.wav'])
    assert.deepEqual(journalOf(made.dir).map((entry) => [entry.action, entry.keys]), [['decrypt', ['calls/x.wav.age']]])
    assert.deepEqual(journalOf(path.join(made.dir, 'pbx2')).map((entry) => [entry.action, entry.keys]), [['decrypt', ['y.wav.age']]])
    assert.ok(!existsSync(path.join(elsewhere, '.callrec')), 'nothing journaled where the command ran')
  })

  test('without an archive argument and no callrec.yml up from here, commands refuse with a hint (exit 2) and write nothing', async () => {
    const bare = makeArchive({'a.wav': wav()})
    cleanups.push(bare.cleanup)
    for (const args of [['audit'], ['purge', '--yes'], ['encrypt', '--yes'], ['hold', 'list'], ['access-log', 'verify']]) {
      const result = await callrec(args, {cwd: bare.dir})
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.equal(result.stderr, `callrec: no archive here: no callrec.yml in ${bare.dir} or above; name the archive folder, or run \`callrec init\` in it\n`)
    }
    assert.deepEqual(readdirSync(bare.dir), ['a.wav'])
  })

  test('audit changes nothing on disk unless a journal already exists', async () => {
    const bare = makeArchive({'a.wav': wav(), 'callrec.yml': 'timezone: UTC\n'})
    cleanups.push(bare.cleanup)
    const first = await callrec(['audit', bare.dir, '--json'])
    assert.equal(JSON.parse(first.stdout).summary.recordings, 1)
    const second = await callrec(['audit', '--json'], {cwd: bare.dir})
    assert.equal(JSON.parse(second.stdout).summary.recordings, 1)
    assert.deepEqual(readdirSync(bare.dir).sort(), ['a.wav', 'callrec.yml'])

    const hold = await callrec(['hold', 'add', 'a.wav', '--reason', 'dispute'], {cwd: bare.dir})
    assert.equal(hold.code, 0, hold.stderr)
    await callrec(['audit', bare.dir, '--json'])
    assert.deepEqual(journalOf(bare.dir).map((entry) => entry.action), ['hold', 'audit'])
  })
})

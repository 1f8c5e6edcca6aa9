// Holds name recordings by their real path: a key typed through a symlink, out of the root or in another case
// never leaves the real recording unprotected.
import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, test} from 'node:test'
import {callrec, makeArchive, wav} from '../helpers.ts'

const archives: {cleanup(): void}[] = []
after(() => archives.forEach((archive) => archive.cleanup()))

function aliasedArchive(): string {
  const made = makeArchive({'callrec.yml': 'defaults: {purpose: quality, noticePlayed: true}\n', 'monitor/2020/x.wav': wav(), 'monitor/2020/y.wav': wav()}, {mtime: new Date('2020-03-01T10:00:00Z')})
  archives.push(made)
  symlinkSync('monitor', path.join(made.dir, 'Monitor'))
  return made.dir
}

function writeHolds(dir: string, keys: string[]): void {
  const by = {user: 'dpo', host: 'h'}
  const holds = keys.map((key, index) => ({id: index + 1, match: {key}, reason: 'dispute', since: '2026-01-01T00:00:00Z', by}))
  writeFileSync(path.join(dir, '.callrec', 'holds.json'), JSON.stringify({holds}))
}

describe('hold keys are canonical', () => {
  test('hold add refuses a key or glob reached through a symlink, naming the real one, and a key leading out of the root', async () => {
    const dir = aliasedArchive()
    const outside = mkdtempSync(path.join(tmpdir(), 'callrec-outside-'))
    archives.push({cleanup: () => rmSync(outside, {recursive: true, force: true})})
    symlinkSync(outside, path.join(dir, 'ext'))
    writeFileSync(path.join(outside, 'z.wav'), wav())

    const typed = await callrec(['hold', 'add', 'Monitor/2020/x.wav', '--archive', dir, '--reason', 'dispute'])
    assert.equal(typed.code, 2)
    assert.equal(typed.stderr, 'callrec: Monitor/2020/x.wav: Monitor is a symlink; holds name recordings by their real path: monitor/2020/x.wav\n')
    const glob = await callrec(['hold', 'add', '--glob', 'Monitor/2020/**', '--archive', dir, '--reason', 'dispute'])
    assert.equal(glob.code, 2)
    assert.match(glob.stderr, /Monitor is a symlink; holds name recordings by their real path: monitor\/2020\/\*\*\n$/)
    const out = await callrec(['hold', 'add', 'ext/z.wav', '--archive', dir, '--reason', 'dispute'])
    assert.equal(out.code, 2)
    assert.equal(out.stderr, 'callrec: ext/z.wav: leads out of the archive root, or nowhere (through the symlink ext)\n')
    symlinkSync('missing', path.join(dir, 'dangling'))
    const dangling = await callrec(['hold', 'add', 'dangling/z.wav', '--archive', dir, '--reason', 'dispute'])
    assert.equal(dangling.code, 2)
    assert.equal(dangling.stderr, 'callrec: dangling/z.wav: leads out of the archive root, or nowhere (through the symlink dangling)\n')
    const list = await callrec(['hold', 'list', '--archive', dir, '--json'])
    assert.deepEqual(JSON.parse(list.stdout).holds, [])

    const real = await callrec(['hold', 'add', 'monitor/2020/x.wav', '--archive', dir, '--reason', 'dispute'])
    assert.equal(real.code, 0, real.stderr)
    const purge = await callrec(['purge', dir, '--yes'])
    assert.equal(purge.code, 0, purge.stderr)
    assert.deepEqual(readdirSync(path.join(dir, 'monitor/2020')), ['x.wav'])
  })

  test('holds already written through an alias or in another case still keep the real recording', async () => {
    for (const alias of ['Monitor/2020/x.wav', 'MONITOR/2020/X.WAV', 'monitor/2020/x.wav.age']) {
      const dir = aliasedArchive()
      const first = await callrec(['hold', 'add', 'monitor/2020/y.wav', '--archive', dir, '--reason', 'made the state folder'])
      assert.equal(first.code, 0, first.stderr)
      writeHolds(dir, [alias])
      const purge = await callrec(['purge', dir, '--yes', '--json'])
      assert.equal(purge.code, 0, purge.stderr)
      assert.deepEqual(JSON.parse(purge.stdout).plan.held.sample.map((held: {key: string}) => held.key), ['monitor/2020/x.wav'], alias)
      assert.deepEqual(readdirSync(path.join(dir, 'monitor/2020')), ['x.wav'], alias)
    }
  })
})

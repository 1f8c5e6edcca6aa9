// The run lock, with real processes: a holder killed with SIGKILL leaves a lock the next run takes over at
// once; a live holder keeps it however long it is stopped; a lock taken away is seen by its holder.
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {hostname} from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {after, describe, test} from 'node:test'
import {lockPathOf, processStartTime, STALE_MS, tryLock, withLock} from '../../src/journal/lock.js'
import {BIN, callrec, makeArchive, ROOT, wav, type CliResult} from '../helpers.ts'

const archives: {cleanup(): void}[] = []
const children: ChildProcess[] = []
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  archives.forEach((archive) => archive.cleanup())
})

/** An archive of `count` recordings past retention: a purge takes a while to select them. */
function expiredArchive(count: number): string {
  const files: Record<string, Buffer | string> = {'callrec.yml': 'defaults: {purpose: quality, noticePlayed: true}\n'}
  const audio = wav(0.05)
  for (let i = 0; i < count; i++) files[`2020/01/${String(i).padStart(5, '0')}.wav`] = audio
  const made = makeArchive(files, {mtime: new Date('2020-01-15T10:00:00Z')})
  archives.push(made)
  return made.dir
}

function start(args: string[]): {child: ChildProcess; done: Promise<CliResult>} {
  const child = spawn(process.execPath, [BIN, ...args], {env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk) => (stdout += chunk))
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({code: code ?? (signal ? 128 : 1), stdout, stderr})))
  return {child, done}
}

const lockFolder = (dir: string) => lockPathOf(path.join(dir, '.callrec', 'archive'))

/** Waits until the run has taken the archive lock (its owner file is written). */
async function lockTaken(dir: string, folder = lockFolder(dir)): Promise<Record<string, unknown>> {
  for (let tries = 0; tries < 600; tries++) {
    const owner = (() => {
      try {
        const name = readdirSync(folder).find((entry) => entry.startsWith('owner-'))
        return name && JSON.parse(readFileSync(path.join(folder, name), 'utf8'))
      } catch {
        return undefined // not there yet, or being written
      }
    })()
    if (owner) return owner
    await sleep(20)
  }
  throw new Error('the run never took the lock')
}

const journalOf = (dir: string) =>
  readFileSync(path.join(dir, '.callrec/journal.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))

describe('the run lock', () => {
  test('a purge killed with SIGKILL: the next one runs at once (no exit 4) and finishes the job', async () => {
    const dir = expiredArchive(400)
    const first = start(['purge', dir, '--yes'])
    const owner = await lockTaken(dir)
    assert.equal(owner.pid, first.child.pid)
    assert.equal(owner.host, hostname())
    assert.equal(owner.startTime, processStartTime(first.child.pid!))
    first.child.kill('SIGKILL')
    await first.done

    const second = await callrec(['purge', dir, '--yes', '--json'])
    assert.equal(second.code, 0, second.stderr)
    assert.deepEqual(readdirSync(path.join(dir, '2020/01')), [])
    const deleted = journalOf(dir).filter((entry) => entry.action === 'purge' && entry.outcome === 'ok').flatMap((entry) => entry.keys)
    assert.equal(deleted.length, 400)
    assert.equal(new Set(deleted).size, 400, 'each recording journaled as deleted once')
    assert.throws(() => readdirSync(lockFolder(dir)), /ENOENT/)
  })

  test('an encrypt killed with SIGKILL does not lock out the next run either', async () => {
    const dir = expiredArchive(200)
    const key = path.join(dir, '..', `${path.basename(dir)}.key`)
    const made = await callrec(['keygen', '-o', key])
    writeFileSync(path.join(dir, 'callrec.yml'), `encryption: {required: true, recipients: [${made.stdout.trim()}]}\n`)
    const first = start(['encrypt', dir, '--yes'])
    await lockTaken(dir)
    first.child.kill('SIGKILL')
    await first.done
    const second = await callrec(['encrypt', dir, '--yes'])
    assert.equal(second.code, 0, second.stderr)
    assert.ok(readdirSync(path.join(dir, '2020/01')).every((name) => name.endsWith('.wav.age')))
    await rm(key, {force: true})
  })

  test('a live purge stopped longer than the stale time keeps its lock: a second purge exits 4, the first then finishes alone', async () => {
    const dir = expiredArchive(300)
    const first = start(['purge', dir, '--yes', '--json'])
    await lockTaken(dir)
    first.child.kill('SIGSTOP')
    try {
      await sleep(STALE_MS + 1500)
      const second = await callrec(['purge', dir, '--yes'])
      assert.equal(second.code, 4, second.stderr)
      assert.match(second.stderr, /locked by another callrec run/)
      const hold = await callrec(['hold', 'add', '2020/01/00299.wav', '--archive', dir, '--reason', 'late dispute'])
      assert.equal(hold.code, 0, hold.stderr)
    } finally {
      first.child.kill('SIGCONT')
    }
    const result = await first.done
    assert.equal(result.code, 0, result.stderr)
    const deleted = journalOf(dir).filter((entry) => entry.action === 'purge' && entry.outcome === 'ok').flatMap((entry) => entry.keys)
    assert.equal(new Set(deleted).size, deleted.length, 'nothing journaled as deleted twice')
    assert.ok(!deleted.includes('2020/01/00299.wav'), 'the hold added meanwhile is respected')
    assert.deepEqual(readdirSync(path.join(dir, '2020/01')), ['00299.wav'])
  })

  test('a lock whose pid now belongs to another process (another start time) is taken over; a foreign host\'s only once stale', async () => {
    const dir = makeArchive({})
    archives.push(dir)
    const file = path.join(dir.dir, 'state', 'archive')
    const plant = (owner: object) => {
      mkdirSync(lockPathOf(file), {recursive: true})
      writeFileSync(path.join(lockPathOf(file), 'owner-0123456789abcdef.json'), JSON.stringify(owner))
    }
    const self = JSON.parse(JSON.stringify({pid: process.pid, host: hostname(), since: new Date().toISOString()}))
    const {boot, pidNamespace} = await (async () => {
      const lock = await tryLock(file, 'x')
      const name = readdirSync(lockPathOf(file)).find((entry) => entry.startsWith('owner-'))!
      const owner = JSON.parse(readFileSync(path.join(lockPathOf(file), name), 'utf8'))
      await lock.release()
      return owner
    })()

    plant({...self, boot, pidNamespace, startTime: '1'})
    const reused = await tryLock(file, 'x')
    await reused.release()

    plant({...self, boot, pidNamespace, startTime: processStartTime(process.pid)})
    await assert.rejects(tryLock(file, 'x'), /locked by another callrec run/)
    await rm(lockPathOf(file), {recursive: true})

    plant({...self, host: 'elsewhere.example', pid: 1})
    await assert.rejects(tryLock(file, 'x'), /locked by another callrec run/)
    const old = new Date(Date.now() - STALE_MS - 5000)
    utimesSync(lockPathOf(file), old, old)
    const stale = await tryLock(file, 'x')
    await stale.release()
  })

  test('processes contending for one lock never hold it together', async () => {
    const dir = makeArchive({counter: '0'})
    archives.push(dir)
    const file = path.join(dir.dir, 'counter')
    const counter = path.join(ROOT, 'test/journal/lock-counter.ts')
    const runs = [0, 1, 2].map(() => {
      const child = spawn(process.execPath, ['--import', 'tsx', counter, file, '25'], {cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe']})
      children.push(child)
      let stderr = ''
      child.stderr!.on('data', (chunk) => (stderr += chunk))
      return new Promise<string>((resolve) => child.on('close', (code) => resolve(`${code} ${stderr}`)))
    })
    assert.deepEqual(await Promise.all(runs), ['0 ', '0 ', '0 '])
    assert.equal(readFileSync(file, 'utf8'), '75')
  })

  test('a holder killed but not yet reaped by its parent (a zombie) holds nothing', async () => {
    const dir = makeArchive({})
    archives.push(dir)
    const file = path.join(dir.dir, 'archive')
    // sh starts the holder, then becomes `sleep`, which never reaps it.
    const holder = path.join(ROOT, 'test/journal/lock-holder.ts')
    const parent = spawn('sh', ['-c', `"${process.execPath}" --import tsx "${holder}" "${file}" & exec sleep 120`], {cwd: ROOT, stdio: 'ignore'})
    children.push(parent)
    const owner = await lockTaken(path.dirname(path.dirname(file)), lockPathOf(file))
    process.kill(owner.pid as number, 'SIGKILL')
    for (let tries = 0; tries < 100 && !/\) Z /.test(readFileSync(`/proc/${owner.pid}/stat`, 'latin1')); tries++) await sleep(20)
    assert.match(readFileSync(`/proc/${owner.pid}/stat`, 'latin1'), /\) Z /, 'the holder is a zombie')
    const lock = await tryLock(file, 'x')
    await lock.release()
    parent.kill('SIGKILL')
  })

  test('a holder whose lock was taken away sees it (compromised) and its release leaves the new holder\'s lock alone', async () => {
    const dir = makeArchive({})
    archives.push(dir)
    const file = path.join(dir.dir, 'archive')
    const lock = await tryLock(file, 'x')
    assert.equal(lock.compromised, undefined)
    await rm(lockPathOf(file), {recursive: true})
    const thief = await withLock(file, async (taken) => {
      assert.match(lock.compromised?.message ?? '', /taken over/)
      await lock.release()
      assert.equal(taken.compromised, undefined, 'the new holder still holds it')
      return readdirSync(lockPathOf(file)).length
    })
    assert.equal(thief, 1)
  })
})

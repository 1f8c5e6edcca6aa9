// SIGKILL during in-place encryption of a few hundred recordings, at many points: after every kill each
// recording must exist in full (its original plaintext, or a ciphertext that decrypts to it), and a rerun finishes.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {readFile, readdir, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {createInterface} from 'node:readline'
import {describe, test} from 'node:test'
import {generateX25519Identity, identityToRecipient} from 'age-encryption'
import {decrypterFor, openAge} from '../../src/crypto/age.js'
import {CHUNK_SIZE} from '../../src/crypto/stream.js'
import {collect, pattern, tempFolder, ENCRYPT_CHILD} from './helpers.ts'
import {ROOT} from '../helpers.ts'

const COUNT = 300
const KILLS = 40

const identity = await generateX25519Identity()
const recipient = await identityToRecipient(identity)
const keys = Array.from({length: COUNT}, (_, i) => `rec-${String(i).padStart(3, '0')}.wav`)
// Empty files, exactly one chunk, and sizes up to ~3 chunks.
const original = (i: number) => pattern(i % 10 === 0 ? 0 : i % 10 === 1 ? CHUNK_SIZE : (i * 7919) % 200_000, i)

/** Starts the child; kills it with SIGKILL once it has finished `after` files (and a little more), or lets it end. */
function run(folder: string, after?: number): Promise<{finished: number; killed: boolean; last?: string}> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENCRYPT_CHILD, folder, recipient], {cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit']})
  let finished = -1
  let last: string | undefined
  createInterface({input: child.stdout}).on('line', (line) => {
    last = line
    finished++
    if (after !== undefined && finished >= after) setTimeout(() => child.kill('SIGKILL'), Math.random() * 3)
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child exited with ${code ?? signal}`))
      else resolve({finished: Math.max(finished, 0), killed: signal === 'SIGKILL', last})
    })
  })
}

// Ciphertexts already checked and not rewritten since (same inode, size and time) need no second decryption.
const checked = new Set<string>()
async function unchanged(file: string): Promise<boolean> {
  const info = await stat(file)
  const id = `${file}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`
  return checked.has(id) || !checked.add(id)
}

/** Asserts that every recording is whole; counts the forms found. */
async function check(folder: string) {
  const names = new Set(await readdir(folder))
  const counts = {plaintext: 0, ciphertext: 0, both: 0, temp: [...names].filter((name) => name.startsWith('.callrec-tmp-')).length}
  for (const [i, key] of keys.entries()) {
    const plaintext = names.has(key)
    const ciphertext = names.has(`${key}.age`)
    assert.ok(plaintext || ciphertext, `${key}: lost`)
    if (plaintext) assert.ok((await readFile(path.join(folder, key))).equals(original(i)), `${key}: plaintext altered`)
    if (ciphertext && !(await unchanged(path.join(folder, `${key}.age`)))) {
      const decrypted = await collect(await openAge([await readFile(path.join(folder, `${key}.age`))], decrypterFor([identity])))
      assert.ok(decrypted.equals(original(i)), `${key}.age: does not decrypt to the original`)
    }
    counts.plaintext += Number(plaintext && !ciphertext)
    counts.ciphertext += Number(ciphertext && !plaintext)
    counts.both += Number(plaintext && ciphertext)
  }
  return counts
}

describe('crash safety of in-place encryption', () => {
  test(`SIGKILL at ${KILLS} points during encryption of ${COUNT} files, then a rerun finishes`, {timeout: 600_000}, async (t) => {
    const folder = await tempFolder()
    for (const [i, key] of keys.entries()) await writeFile(path.join(folder, key), original(i))
    let midRun = 0
    let both = 0
    for (let kill = 0; kill < KILLS; kill++) {
      // Kill after 0 to 9 more files this run: the run resumes where the last one stopped.
      const {killed} = await run(folder, Math.floor(Math.random() * 10))
      const counts = await check(folder)
      if (killed && counts.plaintext + counts.both > 0 && counts.ciphertext + counts.both > 0) midRun++
      both += counts.both
      if (!killed) break
    }
    const rerun = await run(folder)
    assert.equal(rerun.killed, false)
    const counts = await check(folder)
    assert.deepEqual({plaintext: counts.plaintext, both: counts.both, ciphertext: counts.ciphertext}, {plaintext: 0, both: 0, ciphertext: COUNT})
    const batch = JSON.parse(rerun.last!)
    assert.deepEqual(batch.failures, [])
    t.diagnostic(`${midRun} kills mid-run; plaintext and .age both present after ${both} recording-kills; ${counts.temp} temp files of killed writes left`)
    // A run finishes at most ~20 files before its kill: 300 files leave room for 15 kills mid-run at the very least.
    assert.ok(midRun >= 10, `only ${midRun} kills landed mid-run`)
  })
})

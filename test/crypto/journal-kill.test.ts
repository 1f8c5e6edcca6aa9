// Issue 9, item 2: `callrec encrypt` killed with SIGKILL at random points. Every plaintext it removed must
// have its journal entry (written and fsynced before the removal), and the journal must verify after each kill.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {describe, test} from 'node:test'
import {generateX25519Identity, identityToRecipient} from 'age-encryption'
import {BIN, callrec, tempArchive, wav, type ArchiveFiles} from '../helpers.ts'
import {ageLocks} from '../purge/fixtures.ts'

const COUNT = 1500
const KILLS = 8

const recipient = await identityToRecipient(await generateX25519Identity())
const keyOf = (i: number) => `calls/${String(i).padStart(4, '0')}.wav`

/**
 * Starts `callrec encrypt --yes`; with `delay`, kills it with SIGKILL that many ms after its first new journal
 * entry (so that the kill lands while it encrypts, not while it lists), unless it ended first.
 */
function encrypt(dir: string, delay?: number): Promise<{killed: boolean; code: number | null}> {
  const journal = path.join(dir, '.callrec/journal.jsonl')
  const size = () => (existsSync(journal) ? statSync(journal).size : 0)
  const start = size()
  const child = spawn(process.execPath, [BIN, 'encrypt', dir, '--yes'], {stdio: 'ignore', env: {...process.env, NO_COLOR: '1'}})
  let timer: NodeJS.Timeout | undefined
  const poll =
    delay === undefined
      ? undefined
      : setInterval(() => {
          if (size() === start) return
          clearInterval(poll)
          timer = setTimeout(() => child.kill('SIGKILL'), delay)
        }, 20)
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearInterval(poll)
      clearTimeout(timer)
      resolve({killed: signal === 'SIGKILL', code})
    })
  })
}

/** Keys whose plaintext is gone, and keys with an `encrypt` entry. */
function state(dir: string): {removed: string[]; journaled: Set<string>} {
  const removed: string[] = []
  for (let i = 0; i < COUNT; i++) if (!existsSync(path.join(dir, keyOf(i)))) removed.push(keyOf(i))
  const journal = path.join(dir, '.callrec/journal.jsonl')
  const lines = existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter(Boolean) : []
  const entries = lines.map((line) => JSON.parse(line))
  return {removed, journaled: new Set(entries.filter((entry) => entry.action === 'encrypt' && entry.outcome === 'ok').flatMap((entry) => entry.keys))}
}

describe('encrypt killed at random points', () => {
  test(`${KILLS} SIGKILLs during the encryption of ${COUNT} recordings: every removed plaintext has its entry`, {timeout: 600_000}, async (t) => {
    const files: ArchiveFiles = {'callrec.yml': `encryption: {required: true, recipients: [${recipient}]}\n`}
    for (let i = 0; i < COUNT; i++) files[keyOf(i)] = wav(0.01)
    const dir = tempArchive(files)
    let midRun = 0
    for (let kill = 0; kill < KILLS; kill++) {
      ageLocks(dir) // the locks of the killed run, as if 10 s had passed
      const {killed} = await encrypt(dir, Math.random() * 1500)
      const {removed, journaled} = state(dir)
      for (const key of removed) assert.ok(journaled.has(key), `${key}: plaintext removed without its journal entry (kill ${kill + 1})`)
      if (killed && removed.length > 0 && removed.length < COUNT) midRun++
      const verify = await callrec(['access-log', 'verify', dir])
      // A kill in the middle of an append may leave a torn line: reported, and repaired explicitly.
      if (verify.code !== 0) {
        assert.match(verify.stdout, /damaged after its last entry/, verify.stdout)
        assert.equal((await callrec(['access-log', 'repair', dir])).code, 0)
      }
      if (!killed) break
    }
    ageLocks(dir)
    const last = await encrypt(dir)
    assert.equal(last.code, 0)
    const {removed, journaled} = state(dir)
    assert.equal(removed.length, COUNT)
    for (const key of removed) assert.ok(journaled.has(key), `${key}: no entry`)
    assert.equal((await callrec(['access-log', 'verify', dir])).code, 0)
    t.diagnostic(`${midRun} of ${KILLS} kills landed mid-run; ${journaled.size} recordings journaled`)
    assert.ok(midRun >= KILLS / 2, `only ${midRun} kills landed mid-run`)
  })
})

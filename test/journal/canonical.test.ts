import assert from 'node:assert/strict'
import {test} from 'node:test'
import {canonicalJson, hashEntry, sealEntry} from '../../src/journal/canonical.ts'
import type {JournalEntry} from '../../src/journal/types.ts'

// An entry's line is written from its fields serialized once; it must be byte for byte the canonical form of the
// entry with its hash, and that hash the one `verify` recomputes.
test('sealEntry: the canonical line of the hashed entry, and the hash verify recomputes', () => {
  const base = {action: 'purge', command: 'purge', keys: ['a/x.wav'], outcome: 'ok', seq: 7, time: '2026-12-03T10:00:00.000Z', actor: {user: 'root'}, prev: '0'.repeat(64)}
  const entries: Record<string, unknown>[] = [
    base,
    {...base, details: {files: [{key: 'a/x.wav', size: 3, sha256: 'ab'}], why: undefined, run: 'r1'}, reason: undefined},
    // fields sorting around "hash": before it, right after it, and none after it
    {gone: 1, hash: 'stale, replaced', ha: true, hasht: 'x', i: null},
    {a: 1, b: [1, 'two', {z: 1, y: [undefined, null]}]},
    {zz: 'last', 'é': 'after z in code units', Hash: 'upper case sorts first', '': 'empty key'},
    {},
  ]
  for (const entry of entries) {
    const {hash, line} = sealEntry(entry as unknown as Omit<JournalEntry, 'hash'>)
    assert.equal(hash, hashEntry(entry as unknown as JournalEntry))
    const {hash: _stale, ...rest} = entry
    assert.equal(line, canonicalJson({...rest, hash}))
    assert.deepEqual(JSON.parse(line).hash, hash)
  }
})

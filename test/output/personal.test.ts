// Phone numbers (and 3CX party names) that PBXs write into file names are masked in every output, one form
// everywhere, unless --show-personal.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, test} from 'node:test'
import {maskKey, maskNumber, maskText} from '../../src/output/personal.js'
import {callrec, makeArchive, NOW, wav} from '../helpers.ts'
import {OLD, RECENT} from '../purge/fixtures.ts'

test('text that cannot hold a number is returned at once, exactly as the full masking would return it', () => {
  // The suffix holds no number (a letter before each run of digits), yet each of its parts makes the masking run in
  // full: with and without it, the same text.
  const suffix = ' x12345678 x+1 x001 x01.2'
  const pieces = ['0', '1', '6', '9', '00', '33', '+', ' ', '.', '-', '(', ')', '/', 'a', 'é', '2026-06-30', '06', '12', '1715675520.17', 'in-', '•', '06 12', ' 34', '.56', ' 78', '+33 6', '0033 6', '+336', '06 12 34 56 78', '+33 6 12 34 56 78', '06.12.34.56.78', '0033 612 345 678']
  let seed = 12_345
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
  let masked = 0
  for (let round = 0; round < 20_000; round++) {
    const text = Array.from({length: 1 + Math.floor(random() * 14)}, () => pieces[Math.floor(random() * pieces.length)]).join('')
    const quick = maskText(text)
    assert.equal(quick + suffix, maskText(text + suffix), JSON.stringify(text))
    if (quick !== text) masked++
  }
  assert.ok(masked > 500, `${masked} texts held a number`)
})

test('the documented form: first four characters, a • per hidden digit, last two; extensions as they are', () => {
  assert.equal(maskNumber('+33612345678'), '+336••••••78')
  assert.equal(maskNumber('06 12 34 56 78'), '0612••••78')
  assert.equal(maskNumber('0033612345678'), '0033•••••••78')
  assert.equal(maskNumber('1003'), '1003')
  assert.equal(maskNumber('500'), '500')
  assert.equal(maskKey('monitor/2026/05/14/in-0612345678-1001-20260514-103200-1715675520.17.wav'), 'monitor/2026/05/14/in-0612••••78-1001-20260514-103200-1715675520.17.wav')
  assert.equal(maskKey('3cx/100/[27836826436]_27836826436-100_20190211124743(3).wav'), '3cx/100/[2783•••••36]_2783•••••36-100_20190211124743(3).wav')
  assert.equal(maskKey('3cx/1001/[Jane Doe]_1001-0639980040_20261015143012(42).json'), '3cx/1001/[J••• D••]_1001-0639••••40_20261015143012(42).json')
  assert.equal(maskKey('asterisk/pbx1-1794322800.130.wav'), 'asterisk/pbx1-1794322800.130.wav', 'a call id is not a number to hide')
})

describe('every output masks the numbers in keys', () => {
  const FREEPBX = 'monitor/2025/01/10/in-0612345678-1001-20250110-093000-1736497800.17.wav'
  const THREECX = '3cx/1001/[Jane Doe]_1001-0639980040_20250110093000(42).wav'
  const KEPT = 'monitor/2026/10/01/in-0698765432-1002-20261001-093000-1759303800.18.wav'
  const files: Record<string, Buffer | object> = {}
  for (const key of [FREEPBX, THREECX, KEPT]) {
    files[key] = wav(0.05)
    files[key.replace(/\.wav$/, '.json')] = {recordedAt: key === KEPT ? RECENT : OLD, purpose: 'quality', noticePlayed: true}
  }
  const made = makeArchive(files)
  const work = mkdtempSync(path.join(tmpdir(), 'callrec-personal-'))
  after(() => {
    made.cleanup()
    rmSync(work, {recursive: true, force: true})
  })
  const CLEAR = /0612345678|0639980040|Jane Doe|0698765432/

  test('audit (table, csv, ndjson, json), reports, purge plan and result, certificates, journal export', async () => {
    const outputs: Record<string, string> = {}
    for (const format of ['table', 'csv', 'ndjson']) outputs[`audit ${format}`] = (await callrec(['audit', made.dir, '--now', NOW, '--format', format])).stdout
    outputs['audit --json'] = (await callrec(['audit', made.dir, '--now', NOW, '--json'])).stdout
    for (const format of ['csv', 'json', 'html']) outputs[`compliance ${format}`] = (await callrec(['report', 'compliance', made.dir, '--now', NOW, '--format', format, '-o', path.join(work, `c.${format}`)]), readFileSync(path.join(work, `c.${format}`), 'utf8'))
    outputs['purge plan'] = (await callrec(['purge', made.dir, '--now', NOW, '--dry-run', '--json'])).stdout
    outputs['find'] = (await callrec(['find', made.dir, '--caller', '0612345678'])).stdout
    const hold = await callrec(['hold', 'add', KEPT, '--archive', made.dir, '--reason', 'dispute of 06 98 76 54 32'])
    assert.equal(hold.code, 0, hold.stderr)
    outputs['hold add'] = hold.stdout
    outputs['hold add --json'] = (await callrec(['hold', 'add', '--glob', '**/in-0698765432-*', '--archive', made.dir, '--reason', 'the same call', '--json'])).stdout
    const released = await callrec(['hold', 'release', '--glob', '**/in-0698765432-*', '--archive', made.dir, '--reason', 'done'])
    assert.equal(released.code, 0, released.stderr)
    outputs['hold release'] = released.stdout
    outputs['hold list'] = (await callrec(['hold', 'list', '--archive', made.dir])).stdout
    outputs['hold list --json'] = (await callrec(['hold', 'list', '--archive', made.dir, '--json'])).stdout
    writeFileSync(path.join(work, 'passphrase'), 'correct horse battery staple\n', {mode: 0o600})
    outputs['encrypt plan'] = (await callrec(['encrypt', made.dir, '--dry-run', '--passphrase-file', path.join(work, 'passphrase')])).stdout
    outputs['encrypt plan --json'] = (await callrec(['encrypt', made.dir, '--dry-run', '--json', '--passphrase-file', path.join(work, 'passphrase')])).stdout
    const purge = await callrec(['purge', made.dir, '--now', NOW, '--yes', '--json', '--certificate', path.join(work, 'cert.csv')])
    assert.equal(purge.code, 0, purge.stderr)
    outputs['purge --json'] = purge.stdout
    outputs['certificate'] = readFileSync(path.join(work, 'cert.csv'), 'utf8')
    outputs['journal export'] = (await callrec(['access-log', 'export', made.dir, '--format', 'csv'])).stdout
    for (const [name, text] of Object.entries(outputs)) {
      assert.ok(text.length > 0, name)
      assert.doesNotMatch(text, CLEAR, name)
    }
    assert.match(outputs['audit table'], /in-0612••••78-1001/)
    assert.match(outputs['hold list'], /in-0698••••32-1002/)
    assert.match(outputs['hold add'], /in-0698••••32-1002.*dispute of 0698••••32/)
    assert.match(outputs['hold release'], /glob \*\*\/in-0698••••32-\*/)
    assert.match(outputs['encrypt plan --json'], /\[J••• D••\]_1001-0639••••40/)
    assert.match(outputs['certificate'], /\[J••• D••\]_1001-0639••••40/)

    // The journal itself: keys masked beside their HMAC, a number typed in a reason masked too (journal/entry-keys.ts).
    const journal = readFileSync(path.join(made.dir, '.callrec/journal.jsonl'), 'utf8')
    assert.doesNotMatch(journal, CLEAR)
    assert.match(journal, /"reason":"dispute of 0698••••32"/)
    assert.equal((await callrec(['access-log', 'verify', made.dir])).code, 0)

    // --show-personal puts back the keys of files the archive still holds; a purged file's entries are found by --key.
    const shown = (await callrec(['access-log', 'export', made.dir, '--format', 'ndjson', '--show-personal'])).stdout
    const entries = shown.trim().split('\n').map((line) => JSON.parse(line))
    assert.deepEqual(entries.find((entry) => entry.action === 'hold').keys, [KEPT])
    assert.deepEqual(entries.find((entry) => entry.action === 'hold').details.key, KEPT)
    assert.doesNotMatch(shown, /0612345678/, 'purged: nothing left to map it back from')
    const byKey = (await callrec(['access-log', 'export', made.dir, '--format', 'ndjson', '--key', FREEPBX])).stdout.trim().split('\n').map((line) => JSON.parse(line))
    assert.deepEqual(byKey.map((entry) => entry.action), ['find', 'purge'])
    assert.ok(outputs['certificate'].includes(byKey[1].details.files[0].sha256), 'the entry and the certificate name the same file by its SHA-256')
  })
})

import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'
import {inferNames, proposeClassify, tokenize} from '../../src/init/infer.js'
import {loadPolicyFile} from '../../src/policy/load.js'
import {nameToKeyPart} from '../../src/store/keys.js'
import {callrec, callrecJson} from '../helpers.js'
import {spoolNames, writeSpool} from './spool.js'

test('tokenize: uniqueids (with a system name), date-times in their formats, numbers, words, separators', () => {
  const kinds = (stem: string) => tokenize(stem).map((token) => (token.kind === 'date' ? `date ${token.format}` : `${token.kind} ${token.text}`))
  assert.deepEqual(kinds('202401281134_89085951008-211474_mainserverdss-1706412883.78'), [
    'date %Y%m%d%H%M', 'sep _', 'number 89085951008', 'sep -', 'number 211474', 'sep _', 'uniqueid mainserverdss-1706412883.78',
  ])
  assert.deepEqual(kinds('1706069530.7_20240124-121200'), ['uniqueid 1706069530.7', 'sep _', 'date %Y%m%d-%H%M%S'])
  assert.deepEqual(kinds('2024-01-24_12.12.05_Ren\\xe9'), ['date %Y-%m-%d_%H.%M.%S', 'sep _', 'word Ren\\xe9'])
  // Not dates: an impossible month, a year out of range, a phone number.
  assert.deepEqual(kinds('20241324_0612345678'), ['number 20241324', 'sep _', 'number 0612345678'])
  assert.deepEqual(kinds('89245555937'), ['number 89245555937'])
})

test('inferNames: templates that date at least 95 % of a realistic dialplan spool, the rest listed', () => {
  const files = spoolNames(600, 7)
  const keys = files.map((file) => `monitor/${nameToKeyPart(file.name)}`)
  const names = inferNames(keys)
  const templates = names.templates.map((entry) => entry.template)
  assert.ok(templates.includes('{start:%Y%m%d%H%M}_{caller}-{callee}_{uniqueid}.{ext}'), templates.join('\n'))
  assert.ok(templates.includes('{uniqueid}_{start:%Y%m%d%H%M}_{caller}-{callee}.{ext}'), templates.join('\n'))
  assert.ok(templates.includes('{start:%Y%m%d%H%M}_{caller}-{callee}.{ext}'), templates.join('\n'))
  const dated = files.filter((file) => file.start).length
  assert.equal(names.seen, 600)
  assert.equal(names.seen - names.unmatched.count, dated, 'every name that carries a date is dated, no other')
  assert.ok(dated / names.seen >= 0.95, `${dated} of ${names.seen}`)
  assert.deepEqual(names.unmatched.sample, keys.filter((_, index) => !files[index].start).slice(0, 20))
  assert.equal(names.templates.reduce((sum, entry) => sum + entry.matched, 0), dated)
  // The lines called often are proposed for classify: rules; a customer's number never is.
  assert.deepEqual(Object.keys(names.lines).sort(), ['211401', '211474', '211480', '211553'])
  assert.deepEqual(proposeClassify(names).map((proposal) => proposal.match.callee).sort(), ['211401', '211474', '211480', '211553'])
})

test('inferNames: other dialplans (direction words, separators in dates, epochs, identifiers, spaces)', () => {
  const infer = (keys: string[]) => inferNames(keys).templates.map((template) => template.template)
  assert.deepEqual(infer(['out-1001-0612345678-2024-01-28_11-34-05.wav', 'in-1002-0612345679-2024-01-28_11-35-05.wav']), ['{direction}-{caller}-{callee}-{start:%Y-%m-%d_%H-%M-%S}.{ext}'])
  assert.deepEqual(infer(['rec_20240128_113405_0612345678_1001.gsm', 'rec_20240129_080000_anonymous_1002.gsm']), ['rec_{start:%Y%m%d_%H%M%S}_{caller}_{callee}.{ext}'])
  assert.deepEqual(infer(['1706412883-0612345678-1001.wav', '1706412999-0612345679-1002.wav']), ['{start:%s}-{caller}-{callee}.{ext}'])
  assert.deepEqual(infer(['call 2024-01-28T11.34.05 +33612345678 to 1001.mp3', 'call 2024-01-28T12.00.00 +33612345679 to 1002.mp3']), ['call {start:%Y-%m-%dT%H.%M.%S} {caller} to {callee}.{ext}'])
  assert.deepEqual(infer(['Q600-20240128-113405-0612345678-1706412883.12.wav', 'Q601-20240128-113406-0612345679-1706412884.13.wav']), ['{*}-{start:%Y%m%d-%H%M%S}-{caller}-{uniqueid}.{ext}'])
  // Nothing that dates a call: no template.
  assert.deepEqual(infer(['greeting-1.wav', 'greeting-2.wav']), [])
})

test('inferNames: names a built-in pattern reads need no template; FreePBX call types give classify proposals', () => {
  const freepbx = ['in-0140000000-0612345678-20260514-101500-1778746500.12.wav', 'q-500-0612345679-20260514-111500-1778750100.13.wav', 'q-500-0612345670-20260514-121500-1778753700.14.wav']
  const names = inferNames(freepbx)
  assert.deepEqual(names.templates, [])
  assert.deepEqual(names.builtIn, [{id: 'freepbx', matched: 3}])
  assert.deepEqual(proposeClassify(names), [
    {name: 'queue 500', match: {type: 'q-500'}, count: 2},
    {name: 'in calls', match: {type: 'in'}, count: 1},
  ])
})

test('init --defaults on a dialplan-named spool writes templates that date every dated name; the audit agrees', async () => {
  const files = spoolNames(200, 11)
  const spool = writeSpool(files)
  try {
    const {code, json, stderr} = await callrecJson(['init', spool.dir, '--defaults'])
    assert.equal(code, 0, stderr)
    const {names} = json.layout
    assert.equal(names.seen, 200)
    assert.ok(names.seen - names.unmatched.count >= 190, JSON.stringify(names.unmatched))
    const file = path.join(spool.dir, 'callrec.yml')
    const text = readFileSync(file, 'utf8')
    assert.match(text, /^filenames:\n {2}- "\{start:%Y%m%d%H%M\}_\{caller\}-\{callee\}_\{uniqueid\}\.\{ext\}"/m)
    // The choices init cannot make are written commented out, each explained.
    assert.match(text, /^# defaults:\n# {3}# defaults\.purpose: the purpose of every recording/m)
    assert.match(text, /^# {3}# defaults\.noticePlayed: true only if the PBX tells every caller/m)
    assert.match(text, /^# Country of the PBX[^\n]*\n[^\n]*\ncountry: FR$/m)
    assert.match(text, /^# classify:\n# {3}- name: calls to 211/m)
    const {policy} = await loadPolicyFile(file)
    assert.equal(policy.defaults.purpose, undefined)
    assert.equal(policy.filenames.length, 3)

    // The PBX's clock is Moscow time.
    writeFileSync(file, text.replace('timezone: Europe/Paris', 'timezone: Europe/Moscow'))
    const audit = await callrecJson(['audit', spool.dir, '--fail-on', 'never'])
    assert.equal(audit.code, 0, audit.stderr)
    const byKey = new Map(audit.json.recordings.map((recording: any) => [recording.key, recording]))
    let fromName = 0
    for (const spooled of files) {
      const key = `monitor/${nameToKeyPart(spooled.name)}`
      const recording: any = byKey.get(key)
      assert.ok(recording, key)
      if (!spooled.start) continue
      fromName++
      assert.equal(recording.fields.recordedAt.source, 'filename', key)
      assert.equal(recording.fields.recordedAt.value, new Date(`${spooled.start}:00+03:00`).toISOString(), key)
    }
    assert.ok(fromName >= 190)
    const empty = new Set(audit.json.findings.filter((finding: any) => finding.rule === 'empty-recording').map((finding: any) => finding.key))
    assert.deepEqual(empty, new Set(files.filter((spooled) => spooled.empty).map((spooled) => `monitor/${nameToKeyPart(spooled.name)}`)))
    assert.ok(files.some((spooled) => spooled.name.includes(0xe9) && spooled.start), 'the spool has non-UTF-8 names')
  } finally {
    spool.cleanup()
  }
})

test('init prints which pattern dates how many names, and the names nothing dates', async () => {
  const spool = writeSpool(spoolNames(60, 3))
  try {
    const result = await callrec(['init', spool.dir, '--defaults', '-o', path.join(spool.dir, 'p.yml')])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /^File names: \d+ of 60 sampled are dated from the name \([\d.]+ %\)\.$/m)
    assert.match(result.stderr, /^ {2}inferred template \{start:%Y%m%d%H%M\}_\{caller\}-\{callee\}_\{uniqueid\}\.\{ext\}: \d+ \(e\.g\. monitor\//m)
  } finally {
    spool.cleanup()
  }
})

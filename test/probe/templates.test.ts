import assert from 'node:assert/strict'
import {test} from 'node:test'
import {parsePolicy} from '../../src/policy/load.js'
import {matchFilename} from '../../src/probe/filenames/index.js'
import {compileTemplate, policyTemplates, TemplateError} from '../../src/probe/filenames/template.js'
import {buildRecording} from '../../src/probe/scan.js'
import type {CdrIndex} from '../../src/probe/cdr-index.js'
import {memoryCdr} from './memory-cdr.ts'

const SPOOL = '{start:%Y%m%d%H%M}_{caller}-{callee}_{uniqueid}.{ext}'
const template = (text: string, options: {timezone?: string; utc?: boolean} = {}) => compileTemplate({template: text, ...options}, 0)
const NO_CDR: CdrIndex = memoryCdr()

function recordedAt(policyText: string, key: string) {
  const policy = parsePolicy(policyText, 'callrec.yml')
  const recording = buildRecording({key, size: 100, modifiedAt: '2026-12-01T00:00:00.000Z', encrypted: false, problems: []}, policy, NO_CDR)
  return recording.fields.recordedAt
}

test('a dialplan name: time to the minute, caller, callee and uniqueid, with or without a system name', () => {
  assert.deepEqual(template(SPOOL).match('202401281134_89085951008-211474_1706412883.78.wav'), {
    localTime: '2024-01-28T11:34:00',
    utc: false,
    caller: '89085951008',
    callee: '211474',
    uniqueId: '1706412883.78',
    callId: '1706412883.78',
  })
  const prefixed = template(SPOOL).match('202401281134_89085951008-211474_mainserverdss-1706412883.78.WAV')
  assert.equal(prefixed?.uniqueId, 'mainserverdss-1706412883.78')
  assert.equal(prefixed?.callee, '211474')
  // An impossible date is not this template's name; nor is another extension or a name with more in it.
  assert.equal(template(SPOOL).match('202413281134_89085951008-211474_1706412883.78.wav'), undefined)
  assert.equal(template(SPOOL).match('202401281134_89085951008-211474_1706412883.78.txt'), undefined)
  assert.equal(template(SPOOL).match('x202401281134_89085951008-211474_1706412883.78.wav'), undefined)
})

test('a looser template does not misread a longer name: a value stops at the character after it', () => {
  assert.equal(template('{start:%Y%m%d%H%M}_{caller}-{callee}.{ext}').match('202401281134_89085951008-211474_1706412883.78.wav'), undefined)
  // The caller stops at the first "-"; the callee, followed by ".", may hold one.
  assert.deepEqual(template('{caller}-{callee}.{ext}').match('a-b-c.wav'), {caller: 'a', callee: 'b-c'})
  assert.equal(template('{*}_{start:%Y%m%d}.wav').match('x-y_20240128.wav')?.localTime, '2024-01-28T00:00:00')
})

test('the other names of the same spool: uniqueid first, no uniqueid, no caller id', () => {
  const first = template('{uniqueid}_{start:%Y%m%d%H%M}_{caller}-{callee}.{ext}').match('1706069530.7_202401241212_89245555937-89245555937.wav')
  assert.deepEqual([first?.uniqueId, first?.localTime, first?.caller, first?.callee], ['1706069530.7', '2024-01-24T12:12:00', '89245555937', '89245555937'])
  const bare = template('{start:%Y%m%d%H%M}_{caller}-{callee}.{ext}')
  assert.deepEqual(bare.match('202401241244_89245555937-211553.wav'), {localTime: '2024-01-24T12:44:00', utc: false, caller: '89245555937', callee: '211553'})
  // An empty caller id is no caller, not an empty string.
  assert.deepEqual(bare.match('202401241244_-211553.wav'), {localTime: '2024-01-24T12:44:00', utc: false, callee: '211553'})
})

test('strftime directives: %F %T %y %b %s, direction words, {*} and literal braces', () => {
  assert.equal(template('{start:%F_%T}-{*}.{ext}').match('2026-03-15_14:30:12-whatever.wav')?.localTime, '2026-03-15T14:30:12')
  assert.equal(template('{start:%d%b%y-%H%M}.{ext}').match('15Mar26-1430.gsm')?.localTime, '2026-03-15T14:30:00')
  const epoch = template('rec-{start:%s}.{ext}').match('rec-1706412883.wav')
  assert.deepEqual([epoch?.localTime, epoch?.utc], ['2024-01-28T03:34:43', true])
  const directed = template('{direction}/{agent}/{start:%Y%m%d-%H%M%S}-{queue}.{ext}')
  assert.deepEqual(directed.match('spool/OUT/1001/20260315-143012-500.wav'), {direction: 'outbound', agent: '1001', localTime: '2026-03-15T14:30:12', utc: false, queue: '500'})
  assert.equal(directed.match('spool/sideways/1001/20260315-143012-500.wav'), undefined, 'not a direction')
  assert.equal(directed.match('20260315-143012-500.wav'), undefined, 'a template with folders needs them')
  assert.equal(template('{{{callid}}}-{start:%Y%m%d}.wav').match('{abc}-20260315.wav')?.callId, 'abc')
})

test('a date in the folders and the time in the name: one {start} across the path', () => {
  const split = template('{start:%Y/%m/%d/%H%M%S}-{caller}.{ext}')
  assert.deepEqual(split.match('spool/2024/01/28/113405-0612345678.wav'), {localTime: '2024-01-28T11:34:05', utc: false, caller: '0612345678'})
  assert.equal(split.match('113405-0612345678.wav'), undefined)
  assert.equal(split.match('spool/2024/13/28/113405-0612345678.wav'), undefined)
})

test('no written time: the uniqueid epoch dates the call, in UTC', () => {
  const facts = template('{caller}_{uniqueid}.{ext}').match('0612345678_1706412883.78.wav')
  assert.deepEqual([facts?.localTime, facts?.utc], ['2024-01-28T03:34:43', true])
})

test('time zones: the policy timezone, a template timezone, utc: true', () => {
  const key = '202401281134_89085951008-211474_1706412883.78.wav'
  assert.equal(recordedAt(`timezone: Europe/Moscow\nfilenames: ["${SPOOL}"]\n`, key)?.value, '2024-01-28T08:34:00.000Z')
  assert.equal(recordedAt(`timezone: Europe/Moscow\nfilenames: [{template: "${SPOOL}", utc: true}]\n`, key)?.value, '2024-01-28T11:34:00.000Z')
  assert.equal(recordedAt(`timezone: UTC\nfilenames: [{template: "${SPOOL}", timezone: Asia/Yekaterinburg}]\n`, key)?.value, '2024-01-28T06:34:00.000Z')
  const dated = recordedAt(`filenames: ["${SPOOL}"]\n`, key)
  assert.deepEqual([dated?.source, dated?.ref], ['filename', `filename:filenames[0] "${SPOOL}"`])
})

test('templates come before the built-in patterns; encrypted copies match like their plaintext; non-UTF-8 names do not throw', () => {
  const templates = [template('{*}-{*}-{*}-{start:%Y%m%d-%H%M%S}-{uniqueid}.{ext}')]
  const freepbx = 'in-0140000000-0612345678-20260514-101500-1778746500.12.wav'
  assert.equal(matchFilename(freepbx)?.pattern, 'freepbx')
  assert.equal(matchFilename(freepbx, templates)?.pattern, templates[0].id)
  assert.equal(matchFilename(`${freepbx}.age`, templates)?.pattern, templates[0].id)
  const latin1 = '202401281134_Ren\\xe9-211474_1706412883.78.wav'
  assert.equal(matchFilename(latin1, [template(SPOOL)])?.facts.caller, 'Ren\\xe9')
  assert.equal(matchFilename('\\xff\\xfe\\x00.wav', [template(SPOOL)]), undefined)
})

test('a bad template is refused at load, naming the template, the line and the problem', () => {
  const cases: [string, RegExp][] = [
    ['{start:%Y%m%d%H%M}_{calller}.{ext}', /\{calller\} is not a placeholder \(known: \{start:STRFTIME\} \{uniqueid\}/],
    ['{start:%Y%m%H%M}.{ext}', /needs a full date/],
    ['{start:%Y%m%d%Q}.{ext}', /%Q is not a directive callrec reads/],
    ['{start}.wav', /\{start\} needs its strftime format/],
    ['{caller}-{caller}-{start:%Y%m%d}.wav', /\{caller\} appears twice/],
    ['{start:%Y%m%d.wav', /"\{" at character 1 is not closed/],
    ['recording.wav', /no placeholder/],
    ['/var/spool/{start:%Y%m%d}.wav', /not a relative path/],
  ]
  for (const [text, message] of cases) {
    assert.throws(() => template(text), (error: Error) => error instanceof TemplateError && message.test(error.message), text)
    assert.throws(
      () => parsePolicy(`timezone: UTC\nfilenames:\n  - "{uniqueid}.wav"\n  - '${text}'\n`, 'callrec.yml'),
      (error: Error) => error.message.startsWith('callrec.yml:4: filenames.1: template "') && error.message.includes(text) && message.test(error.message),
      text,
    )
  }
  assert.throws(() => parsePolicy(`filenames: [{template: "${SPOOL}", utc: true, timezone: Europe/Paris}]\n`, 'p.yml'), /p\.yml:1: filenames\.0: template .* contradict/)
  assert.throws(() => parsePolicy(`filenames: [{template: "${SPOOL}", timezone: Mars/Olympus}]\n`, 'p.yml'), /filenames\.0\.timezone: not an IANA time zone/)
})

test('policyTemplates compiles each policy once', () => {
  const policy = parsePolicy(`filenames: ["${SPOOL}"]\n`, 'callrec.yml')
  assert.equal(policyTemplates(policy), policyTemplates(policy))
  assert.equal(policyTemplates(policy)[0].template, SPOOL)
})

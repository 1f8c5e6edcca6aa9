import assert from 'node:assert/strict'
import {readdirSync, statSync} from 'node:fs'
import {join, sep} from 'node:path'
import {test} from 'node:test'
import {fileURLToPath} from 'node:url'
import {FILENAME_PATTERNS, matchFilename} from '../../src/probe/filenames/index.js'
import {wallClock} from '../../src/probe/time.js'

// 2026-05-14T08:15:00Z, i.e. 10:15:00 in Paris: the uniqueid a channel created then would carry.
const EPOCH = 1778746500

function facts(key: string, pattern: string) {
  const found = matchFilename(key)
  assert.ok(found, `${key} should match`)
  assert.equal(found.pattern, pattern, key)
  return found.facts
}

function noMatch(key: string) {
  assert.equal(matchFilename(key), undefined, `${key} should not match`)
}

test('the registry lists each pattern once, described', () => {
  const ids = FILENAME_PATTERNS.map((pattern) => pattern.id)
  assert.deepEqual(ids, ['freepbx', '3cx', 'amazon-connect', 'oreka', 'asterisk-mixmonitor'])
  for (const pattern of FILENAME_PATTERNS) assert.ok(pattern.description.length > 10, pattern.id)
})

test('wallClock validates calendar dates and times', () => {
  assert.equal(wallClock('20260514', '101500'), '2026-05-14T10:15:00')
  assert.equal(wallClock('20240229', '235959'), '2024-02-29T23:59:59')
  assert.equal(wallClock('20260230', '101500'), undefined)
  assert.equal(wallClock('20260229', '101500'), undefined)
  assert.equal(wallClock('20261301', '101500'), undefined)
  assert.equal(wallClock('20260514', '240000'), undefined)
  assert.equal(wallClock('20260514', '106000'), undefined)
})

test('wallClock agrees with the calendar on every day of 1899–2101, leap centuries included', () => {
  const two = (value: number) => String(value).padStart(2, '0')
  for (let year = 1899; year <= 2101; year++) {
    for (let month = 0; month <= 13; month++) {
      for (let day = 0; day <= 32; day++) {
        const date = `${year}${two(month)}${two(day)}`
        const real = new Date(Date.UTC(year, month - 1, day))
        const valid = month >= 1 && month <= 12 && day >= 1 && real.getUTCMonth() === month - 1 && real.getUTCDate() === day
        assert.equal(wallClock(date, '235959'), valid ? `${year}-${two(month)}-${two(day)}T23:59:59` : undefined, date)
      }
    }
  }
  assert.equal(wallClock('20260514', '235960'), undefined)
  assert.equal(wallClock('2026051', '1015000'), undefined)
})

test('freepbx: an inbound call to a DID, local time, callee and caller from the name', () => {
  assert.deepEqual(facts(`monitor/2026/05/14/in-0140000000-0612345678-20260514-101500-${EPOCH}.12.wav`, 'freepbx'), {
    localTime: '2026-05-14T10:15:00',
    utc: false,
    uniqueId: `${EPOCH}.12`,
    callId: `${EPOCH}.12`,
    callee: '0140000000',
    caller: '0612345678',
    direction: 'inbound',
    callType: 'in',
  })
})

test('freepbx: outbound names the dialling extension as agent and keeps a system-name prefix', () => {
  const found = facts(`2026/05/14/out-0612345678-1001-20260514-101500-pbx1-${EPOCH}.13.wav`, 'freepbx')
  assert.equal(found.direction, 'outbound')
  assert.equal(found.agent, '1001')
  assert.equal(found.caller, '1001')
  assert.equal(found.callee, '0612345678')
  assert.equal(found.uniqueId, `pbx1-${EPOCH}.13`)
})

test('freepbx: a queue call carries the queue number as <to>', () => {
  const found = facts(`q-500-0612345678-20260514-101500-${EPOCH}.14.gsm`, 'freepbx')
  assert.equal(found.queue, '500')
  assert.equal(found.callType, 'q-500')
  assert.equal(found.callee, '500')
  assert.equal(found.direction, 'inbound')
  assert.equal(found.agent, undefined)
})

test('freepbx: extension legs and ring groups', () => {
  const external = facts(`external-1001-0612345678-20260514-101500-${EPOCH}.15.wav`, 'freepbx')
  assert.deepEqual([external.direction, external.agent], ['inbound', '1001'])
  const internal = facts(`internal-1002-1001-20260514-101500-${EPOCH}.16.wav`, 'freepbx')
  assert.deepEqual([internal.direction, internal.agent], ['internal', undefined])
  assert.equal(facts(`exten-1002-1001-20260514-101500-${EPOCH}.16.wav`, 'freepbx').direction, 'internal')
  assert.equal(facts(`rg-600-0612345678-20260514-101500-${EPOCH}.17.wav`, 'freepbx').direction, 'inbound')
})

test('freepbx: force, ondemand and conf say how recording started, not the direction', () => {
  // The Issabel example, recorded in MON_FMT=wav49, which MixMonitor saves as .WAV
  const force = facts('force-0821XXXX8663-3201-20250327-092517-1743042317.12206.WAV', 'freepbx')
  assert.equal(force.localTime, '2025-03-27T09:25:17')
  assert.equal(force.direction, undefined)
  assert.equal(force.uniqueId, '1743042317.12206')
  assert.equal(facts(`ondemand-0612345678-1001-20260514-101500-${EPOCH}.18.wav`, 'freepbx').direction, undefined)
  assert.equal(facts(`conf-800-800-20260514-101500-${EPOCH}.19.wav`, 'freepbx').direction, undefined)
})

test('freepbx: "unknown" (no caller ID) and an empty part are no value', () => {
  const found = facts(`in-0140000000-unknown-20260514-101500-${EPOCH}.20.wav`, 'freepbx')
  assert.equal(found.caller, undefined)
  assert.equal(facts(`in--0612345678-20260514-101500-${EPOCH}.21.wav`, 'freepbx').callee, undefined)
})

test('freepbx near misses: impossible date or time, no uniqueid, not audio', () => {
  noMatch(`in-0140000000-0612345678-20260230-101500-${EPOCH}.12.wav`)
  noMatch(`in-0140000000-0612345678-20260514-251500-${EPOCH}.12.wav`)
  noMatch('in-0140000000-0612345678-20260514-101500.wav')
  noMatch(`in-0140000000-0612345678-20260514-101500-${EPOCH}.12.json`)
  noMatch(`in-0140000000-0612345678-2026514-101500-${EPOCH}.12.wav`)
})

test('an encrypted copy matches like its plaintext', () => {
  const found = facts(`monitor/2026/05/14/in-0140000000-0612345678-20260514-101500-${EPOCH}.12.wav.age`, 'freepbx')
  assert.equal(found.localTime, '2026-05-14T10:15:00')
})

test('mixmonitor: ${UNIQUEID}.wav gives the epoch in UTC', () => {
  assert.deepEqual(facts(`${EPOCH}.12.wav`, 'asterisk-mixmonitor'), {
    localTime: '2026-05-14T08:15:00',
    utc: true,
    uniqueId: `${EPOCH}.12`,
    callId: `${EPOCH}.12`,
  })
  const prefixed = facts('spool/pbx_paris.1-1700000000.123.wav', 'asterisk-mixmonitor')
  assert.equal(prefixed.uniqueId, 'pbx_paris.1-1700000000.123')
  assert.equal(prefixed.localTime, '2023-11-14T22:13:20')
})

test('mixmonitor: a STRFTIME stamp is the local time and wins over the epoch', () => {
  const found = facts(`20260514-101500-${EPOCH}.12.wav`, 'asterisk-mixmonitor')
  assert.equal(found.localTime, '2026-05-14T10:15:00')
  assert.equal(found.utc, false)
  assert.equal(found.uniqueId, `${EPOCH}.12`)
})

test("mixmonitor: Monitor()'s -in and -out halves", () => {
  assert.equal(facts(`${EPOCH}.12-in.wav`, 'asterisk-mixmonitor').uniqueId, `${EPOCH}.12`)
  assert.equal(facts(`20260514-101500-${EPOCH}.12-out.wav`, 'asterisk-mixmonitor').uniqueId, `${EPOCH}.12`)
})

test('mixmonitor near misses', () => {
  noMatch(`${EPOCH}.wav`) // no counter
  noMatch('12345.12.wav') // not an epoch
  noMatch(`20260230-101500-${EPOCH}.12.wav`) // impossible stamp, not re-read as a system name
  noMatch(`pbx-paris-${EPOCH}.12.wav`) // a hyphenated system name is not told from a broken name
  noMatch(`${EPOCH}.12.txt`)
  noMatch('misc/voicemail-unknown.wav')
})

test('3cx: the folder names the extension, which gives agent and direction', () => {
  assert.deepEqual(facts('3cx/1001/[Jane Doe]_1001-0612345678_20260315143012(42).wav', '3cx'), {
    localTime: '2026-03-15T14:30:12',
    utc: false,
    uniqueId: '42',
    callId: '42',
    caller: '1001',
    callee: '0612345678',
    agent: '1001',
    direction: 'outbound',
  })
  const inbound = facts('Recordings/1001/[0612345678]_0612345678-1001_20260315143012(43).wav', '3cx')
  assert.deepEqual([inbound.direction, inbound.agent, inbound.caller], ['inbound', '1001', '0612345678'])
})

test('3cx: without its extension folder, no agent or direction; an empty name is fine', () => {
  const found = facts('[]_100-0836826436_20190211124709(2).wav', '3cx')
  assert.equal(found.localTime, '2019-02-11T12:47:09')
  assert.equal(found.direction, undefined)
  assert.equal(found.agent, undefined)
})

test('3cx near misses', () => {
  noMatch('[Jane Doe]_1001-0612345678_20260315143012.wav') // no call id
  noMatch('Jane Doe_1001-0612345678_20260315143012(42).wav') // no brackets
  noMatch('[Jane Doe]_1001-0612345678_20260229143012(42).wav') // 2026 is no leap year
  noMatch('[Jane Doe]_1001-0612345678_2026031514301(42).wav') // 13 digits
})

test('amazon-connect: the name says UTC, to the minute', () => {
  const key = 'connect/acme/CallRecordings/2026/05/14/a65c10fe-d2bb-497c-bf5c-152e775681ca_20260514T08:15_UTC.wav'
  assert.deepEqual(facts(key, 'amazon-connect'), {
    localTime: '2026-05-14T08:15:00',
    utc: true,
    uniqueId: 'a65c10fe-d2bb-497c-bf5c-152e775681ca',
    callId: 'a65c10fe-d2bb-497c-bf5c-152e775681ca',
  })
})

test('amazon-connect: the colon as %3A or rclone\'s full-width colon, and a copy out of its folders', () => {
  assert.equal(facts('A65C10FE-D2BB-497C-BF5C-152E775681CA_20260514T08%3A15_UTC.wav', 'amazon-connect').uniqueId, 'a65c10fe-d2bb-497c-bf5c-152e775681ca')
  assert.equal(facts('x/a65c10fe-d2bb-497c-bf5c-152e775681ca_20260514T08：15_UTC.wav', 'amazon-connect').localTime, '2026-05-14T08:15:00')
})

test('amazon-connect near misses', () => {
  noMatch('CallRecordings/2026/05/14/a65c10fe-d2bb-497c-bf5c-152e775681ca_20260514T08:15.wav') // no _UTC
  noMatch('CallRecordings/2026/05/14/a65c10fe-d2bb-497c-bf5c_20260514T08:15_UTC.wav') // not a UUID
  noMatch('CallRecordings/2026/05/14/a65c10fe-d2bb-497c-bf5c-152e775681ca_20260514T25:15_UTC.wav')
  noMatch('CallRecordings/2026/05/14/a65c10fe-d2bb-497c-bf5c-152e775681ca_20260514T0815_UTC.wav')
})

test('oreka: the hour folders agree with the name', () => {
  assert.deepEqual(facts('oreka/2026/05/14/10/20260514_101500_KUU.wav', 'oreka'), {
    localTime: '2026-05-14T10:15:00',
    utc: false,
    uniqueId: '20260514_101500_KUU',
    callId: '20260514_101500_KUU',
  })
  assert.equal(facts('2008/11/16/19/20081116_190128_KUU.mp3', 'oreka').localTime, '2008-11-16T19:01:28')
})

test('oreka near misses: folders missing or disagreeing, another recorder\'s name', () => {
  noMatch('oreka/2026/05/14/11/20260514_101500_KUU.wav')
  noMatch('20260514_101500_KUU.wav')
  noMatch('oreka/2026/05/14/20260514_101500_KUU.wav')
  noMatch('AR/20140930_174530_AR_N65519.WAV')
})

test('fixtures/archive: every recording but misc/voicemail-unknown.wav has a name some pattern reads', () => {
  const root = fileURLToPath(new URL('../../fixtures/archive/', import.meta.url))
  const recordings = (readdirSync(root, {recursive: true}) as string[])
    .map((file) => file.split(sep).join('/'))
    // Hidden entries (the journal an audit writes under .callrec/) are not recordings.
    .filter((key) => !/\.(json|csv|yml)$/.test(key) && !key.split('/').some((part) => part.startsWith('.')) && statSync(join(root, key)).isFile())
  const byPattern = new Map<string, number>()
  for (const key of recordings) {
    const pattern = matchFilename(key)?.pattern ?? 'none'
    byPattern.set(pattern, (byPattern.get(pattern) ?? 0) + 1)
    assert.equal(pattern === 'none', key === 'misc/voicemail-unknown.wav', key)
  }
  assert.deepEqual(Object.fromEntries([...byPattern].sort()), {'3cx': 1, 'amazon-connect': 1, 'asterisk-mixmonitor': 1, freepbx: 21, none: 1, oreka: 1})
})

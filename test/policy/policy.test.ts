import assert from 'node:assert/strict'
import {test} from 'node:test'
import {DateTime} from 'luxon'
import {parseDuration} from '../../src/policy/duration.ts'
import {defaultPolicy, parsePolicy} from '../../src/policy/load.ts'
import {isoDay, plusInZone, retentionOf} from '../../src/policy/retention.ts'
import type {Recording} from '../../src/model.ts'

test('durations: words, short units and ISO 8601, nothing else', () => {
  assert.deepEqual(parseDuration('6 months')?.toObject(), {months: 6})
  assert.deepEqual(parseDuration('12months')?.toObject(), {months: 12})
  assert.deepEqual(parseDuration('30d')?.toObject(), {days: 30})
  assert.deepEqual(parseDuration('5 years')?.toObject(), {years: 5})
  assert.deepEqual(parseDuration('P6M')?.toObject(), {months: 6})
  for (const bad of ['6', 'six months', '6 m', 'forever', '-1 days', 'P']) assert.equal(parseDuration(bad), undefined, bad)
})

const recording = (recordedAt: string, purpose = 'quality'): Recording => ({
  key: 'x.wav',
  size: 1,
  modifiedAt: recordedAt,
  encrypted: false,
  problems: [],
  fields: {recordedAt: {value: recordedAt, source: 'sidecar', ref: 'x.json'}, purpose: {value: purpose, source: 'sidecar', ref: 'x.json'}},
})

test('retention counts calendar months, clamped to the last day of the month', () => {
  const policy = defaultPolicy()
  policy.timezone = 'UTC'
  const end = (date: string) => isoDay(retentionOf(recording(date), policy)!.endsAt)
  assert.equal(end('2026-08-31T12:00:00Z'), '2027-02-28')
  assert.equal(end('2027-08-31T12:00:00Z'), '2028-02-29')
  assert.equal(end('2026-01-15T12:00:00Z'), '2026-07-15')
  assert.equal(retentionOf(recording('2026-01-15T12:00:00Z', 'unknown'), policy), undefined)
})

test('retention runs in the policy time zone: a call late on 31 Aug in Paris is 31 Aug there', () => {
  const policy = defaultPolicy()
  policy.timezone = 'Europe/Paris'
  const endsAt = retentionOf(recording('2026-08-31T22:30:00Z'), policy)!.endsAt
  assert.equal(DateTime.fromMillis(endsAt, {zone: 'Europe/Paris'}).toISODate(), '2027-03-01')
  policy.timezone = 'UTC'
  assert.equal(isoDay(retentionOf(recording('2026-08-31T22:30:00Z'), policy)!.endsAt), '2027-02-28')
  assert.ok(DateTime.fromISO('2026-08-31T22:30:00Z').isValid)
})

test('retention arithmetic gives luxon\'s instant to the millisecond: every zone kind, DST edges, month ends, units', () => {
  const zones = ['Europe/Paris', 'UTC', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'America/Santiago', 'Africa/Casablanca']
  const durations = ['6 months', '1 year', '5 years', '30 days', '2w', '48 hours', '12months', 'P1Y2M10DT2H30M', 'P6M', 'P1.5M', '1 day']
  // A spread through the years, month ends, and, for each zone and duration, starts whose end falls within three
  // hours of a DST change (in the gap or the repeated hour), ten minutes apart.
  const spread: number[] = []
  for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2028, 0, 1); ms += 86_400_000 * 5 + 3_599_000) spread.push(ms)
  for (const day of ['2024-01-31', '2024-02-29', '2025-08-31', '2026-03-31', '2026-10-31', '2027-05-31']) spread.push(Date.parse(`${day}T23:59:59.999Z`), Date.parse(`${day}T00:00:00Z`))
  let compared = 0
  for (const zone of zones) {
    const changes: number[] = []
    for (let ms = Date.UTC(2025, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 3_600_000) {
      if (DateTime.fromMillis(ms, {zone}).offset !== DateTime.fromMillis(ms - 3_600_000, {zone}).offset) changes.push(ms)
    }
    for (const duration of durations) {
      const edges = changes.flatMap((change) => {
        const start = DateTime.fromMillis(change, {zone}).minus(parseDuration(duration)!).toMillis()
        return Array.from({length: 37}, (_, step) => start + (step - 18) * 600_000)
      })
      for (const ms of [...spread, ...edges]) {
        const iso = new Date(ms).toISOString()
        const expected = DateTime.fromISO(iso, {zone}).plus(parseDuration(duration)!).toMillis()
        assert.equal(plusInZone(iso, duration, zone), expected, `${iso} + ${duration} in ${zone}`)
        compared++
      }
    }
  }
  assert.ok(compared > 30_000, `${compared} comparisons`)
})

test('policy errors name the file, the line and the field', () => {
  const error = (text: string) => {
    try {
      parsePolicy(text, 'callrec.yml')
    } catch (caught) {
      return (caught as Error).message
    }
    assert.fail('no error')
  }
  assert.equal(error('timezone: Mars/Olympus\n'), 'callrec.yml:1: timezone: not an IANA time zone such as Europe/Paris or UTC')
  assert.equal(error('dpo:\n  name: Jane\ncontroler: ACME\n'), 'callrec.yml:3: controler: Unrecognized key: "controler"')
  assert.equal(error('purposes:\n  quality:\n    retention: 6 months\n    keep: forever\n'), 'callrec.yml:4: purposes.quality.keep: Unrecognized key: "keep"')
  assert.match(error('purposes:\n  other:\n    retention: 1 year\n'), /^callrec\.yml:2: purposes\.other: needs a "reference"/)
  assert.match(error('defaults:\n  purpose: sales\n'), /^callrec\.yml:2: defaults\.purpose: "sales" is not one of the purposes/)
  assert.match(error('systematic:\n  maxShare: 2\n'), /^callrec\.yml:2: systematic\.maxShare: /)
  assert.match(error('cdr:\n  - path: Master.csv\n    format: cisco\n'), /^callrec\.yml:3: cdr\.0\.format: /)
  assert.match(error('a: [\n'), /^callrec\.yml:\d+: invalid YAML/)
  assert.match(error('timezone: UTC\ntimezone: UTC\n'), /^callrec\.yml:2: invalid YAML: Map keys must be unique/)
})

test('a valid policy keeps its purposes; an empty one gets the CNIL defaults', () => {
  const policy = parsePolicy('purposes:\n  mifid-ii: {retention: 5 years, reference: "Reg. 2017/565 art. 76"}\n', 'p.yml')
  assert.deepEqual(Object.keys(policy.purposes), ['mifid-ii'])
  assert.deepEqual(Object.keys(parsePolicy('{}', 'p.yml').purposes), ['training', 'evaluation', 'quality', 'analysis'])
})

test('an empty policy is an error that says how to ask for the defaults; `{}` asks for them', () => {
  assert.throws(() => parsePolicy('', 'callrec.yml'), /callrec\.yml: the policy is empty; write one \(callrec init\), or `\{\}` to apply the CNIL defaults/)
  assert.throws(() => parsePolicy('# only a comment\n', 'callrec.yml'), /the policy is empty/)
  assert.ok(parsePolicy('{}', 'callrec.yml').purposes.quality)
})

test('e-mail addresses and age recipients are checked at load, the line named', () => {
  assert.throws(() => parsePolicy('dpo: {name: Camille, email: not-an-email}\n', 'callrec.yml'), /callrec\.yml:1: dpo\.email: not an e-mail address/)
  assert.throws(() => parsePolicy('encryption:\n  recipients: [age1notarealkey]\n', 'callrec.yml'), /callrec\.yml:2: encryption\.recipients\.0: not an age recipient/)
  // A well-formed key with a wrong checksum (last character changed).
  assert.throws(() => parsePolicy('encryption:\n  recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8q]\n', 'callrec.yml'), /not an age recipient/)
  assert.deepEqual(parsePolicy('encryption:\n  recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p]\n', 'callrec.yml').encryption.recipients.length, 1)
})

import assert from 'node:assert/strict'
import {test} from 'node:test'
import {DateTime} from 'luxon'
import {isoToUtc} from '../../src/probe/time.ts'
import {DAY, isoInstant, timeZone} from '../../src/policy/zone.ts'

const luxon = (text: string) => {
  const parsed = DateTime.fromISO(text, {setZone: true})
  return parsed.isValid ? parsed.toUTC().toISO()! : undefined
}

test('a sidecar date with its offset reads as luxon reads it: every fraction, offset, month end and impossible value', () => {
  const texts: string[] = []
  for (let fraction = 0; fraction < 1000; fraction++) {
    texts.push(`2026-05-14T10:32:00.${String(fraction).padStart(3, '0')}Z`, `2026-05-14T10:32:00.${fraction}Z`)
  }
  for (const offset of ['Z', '+00:00', '-00:00', '+02:00', '-03:30', '+05:45', '+14:00', '-12:00', '+23:59', '+24:00', '+02:60', '+0200', 'z', '+02']) {
    for (const stamp of ['2026-05-14T10:32:00', '2026-12-31T23:59:59', '2027-01-01T00:00:00', '2024-02-29T12:00:00', '2026-02-29T12:00:00', '2026-04-31T08:00:00', '2026-13-01T00:00:00', '2026-00-10T00:00:00', '2026-05-14T24:00:00', '2026-05-14T23:60:00', '2026-05-14T23:59:60', '0999-05-14T10:00:00', '0001-01-01T00:00:00', '9999-12-31T23:59:59']) {
      texts.push(stamp + offset, `${stamp}.5${offset}`)
    }
  }
  texts.push('2026-05-14', '2026-W20-4T10:00:00Z', '2026-134T10:00:00Z', '2026-05-14 10:32:00Z', '2026-05-14t10:32:00Z', '2026-05-14T10:32Z', '2026-05-14T10:32:00.1234Z', 'tomorrow', '')
  for (const text of texts) assert.equal(isoToUtc(text), luxon(text), text)
  assert.equal(isoToUtc('2026-05-14T10:32:00+02:00'), '2026-05-14T08:32:00.000Z')
  assert.equal(isoToUtc('2026-02-30T10:00:00Z'), undefined)
})

test('instants are written exactly as Date.toISOString writes them, and offsets per day agree with luxon on days clocks change', () => {
  const samples = [0, -1, 1, 86_399_999, 86_400_000, -86_400_001, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), -62_198_755_200_001, 8.64e15, -8.64e15, 1.5, -0.5]
  let seed = 7
  const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647)
  for (let i = 0; i < 200_000; i++) samples.push(Math.floor((random() - 0.5) * (i % 2 ? 2 * 8.64e15 : 2e12)))
  for (const ms of samples) assert.equal(isoInstant(ms), new Date(ms).toISOString(), String(ms))
  assert.throws(() => isoInstant(Number.NaN), RangeError)

  // Every quarter hour of the days around each change of 2026 (and of 2026's first day) in zones of every kind:
  // the per-day answer must never be taken on a day whose offset changes.
  for (const name of ['Europe/Paris', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Santiago', 'Africa/Casablanca', 'Asia/Kathmandu', 'America/St_Johns']) {
    const zone = timeZone(name)
    const luxon = (ms: number) => DateTime.fromMillis(ms, {zone: name}).offset
    const changeDays = new Set<number>([Math.floor(Date.UTC(2026, 0, 1) / DAY)])
    for (let day = Date.UTC(2026, 0, 1); day < Date.UTC(2027, 0, 1); day += DAY) if (luxon(day) !== luxon(day + DAY)) changeDays.add(Math.floor(day / DAY))
    assert.ok(changeDays.size > 1 || name === 'Asia/Kathmandu', `${name} changes its clocks in 2026`)
    for (const day of changeDays) {
      for (let ms = (day - 1) * DAY; ms < (day + 2) * DAY; ms += 15 * 60_000) assert.equal(zone.offset(ms), luxon(ms), `${name} at ${new Date(ms).toISOString()}`)
    }
  }
})

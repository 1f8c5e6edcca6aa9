import assert from 'node:assert/strict'
import {test} from 'node:test'
import {DateTime} from 'luxon'
import {isoToUtc} from '../../src/probe/time.ts'

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

// A small archive with recordings of every age and purpose, for the compliance report's tests.
import {DateTime} from 'luxon'
import {makeArchive, NOW, wav, type ArchiveFiles} from '../helpers.js'
import {FULL_POLICY} from './policies.js'

export const XSS = '<script>document.title="pwned"</script>'

export function sampleArchive(extra: ArchiveFiles = {}) {
  const files: ArchiveFiles = {'callrec.yml': FULL_POLICY, ...extra}
  const now = DateTime.fromISO(NOW)
  for (let index = 0; index < 40; index++) {
    const recordedAt = now.minus({days: 9 * index + 3}).toISO()
    const purpose = index % 5 === 4 ? 'insurance-contract' : 'quality'
    const sidecar: Record<string, unknown> = {recordedAt, purpose, noticePlayed: index % 7 !== 3, agent: `10${index % 3}`}
    if (index === 11) sidecar.legalHold = {reason: 'litige 2026-17'}
    files[`rec/${String(index).padStart(2, '0')}.wav`] = wav(0.1)
    files[`rec/${String(index).padStart(2, '0')}.json`] = sidecar
  }
  files['rec/formula.wav'] = wav(0.1)
  files['rec/formula.json'] = {recordedAt: now.minus({days: 2}).toISO(), purpose: '=HYPERLINK("http://x","y")', noticePlayed: true}
  files['rec/xss.wav'] = wav(0.1)
  files['rec/xss.json'] = {recordedAt: now.minus({days: 30}).toISO(), purpose: XSS, noticePlayed: true}
  return makeArchive(files)
}

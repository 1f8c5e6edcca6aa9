import {wallClock} from '../time.js'
import {AUDIO_EXT, splitPath} from './parts.js'
import type {FilenamePattern} from './types.js'

// Amazon Connect writes call recordings to its S3 bucket as
// connect/<instance alias>/CallRecordings/YYYY/MM/DD/<contactId>_<YYYYMMDD>T<HH:MM>_UTC.wav, the time in UTC to the
// minute (AWS, "When, what, and where for contact recordings"; a public Lambda builds
// ".../CallRecordings/2019/01/28/a65c10fe-d2bb-497c-bf5c-152e775681ca_20190128T18%3A34_UTC.wav"). The colon is kept
// on S3 and Linux, is %3A in URLs, and becomes U+FF1A "：" when rclone copies to Windows. The UUID and "_UTC" make
// the name unmistakable, so a copy outside the CallRecordings folders still matches.
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const NAME = new RegExp(String.raw`^(${UUID})_(\d{8})T(\d{2})(?::|%3A|：)(\d{2})_UTC\.${AUDIO_EXT}$`, 'i')

export const amazonConnect: FilenamePattern = {
  id: 'amazon-connect',
  description: 'Amazon Connect: CallRecordings/YYYY/MM/DD/<contactId>_YYYYMMDDTHH:MM_UTC.wav, UTC',
  match(key) {
    const match = NAME.exec(splitPath(key).name)
    const localTime = match && wallClock(match[2], `${match[3]}${match[4]}00`)
    if (!match || !localTime) return undefined
    const contactId = match[1].toLowerCase()
    return {localTime, utc: true, uniqueId: contactId, callId: contactId}
  },
}

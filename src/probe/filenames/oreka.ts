import {wallClock} from '../time.js'
import {AUDIO_EXT, splitPath} from './parts.js'
import type {FilenamePattern} from './types.js'

// OrecX Oreka (OrkAudio) files a recording as yyyy/MM/dd/hh/yyyyMMdd_hhmmss_<trackingId>.<ext> under its
// AudioOutputPath, in local time, e.g. "2008/11/16/19/20081116_190128_KUU.wav" (Oreka API document, OrkTrack tape
// messages). Many recorders write such a bare <date>_<time>_<id> name, so the four folders must agree with it.
const NAME = new RegExp(String.raw`^((\d{8})_(\d{6})_([A-Za-z0-9]+))\.${AUDIO_EXT}$`, 'i')

export const oreka: FilenamePattern = {
  id: 'oreka',
  description: 'Oreka: yyyy/MM/dd/hh/yyyyMMdd_hhmmss_<trackingId>.<ext>, local time',
  match(key) {
    const {folders, name} = splitPath(key)
    const match = NAME.exec(name)
    if (!match) return undefined
    const [, recId, date, time] = match
    if (folders.slice(-4).join('') !== date + time.slice(0, 2)) return undefined
    const localTime = wallClock(date, time)
    return localTime ? {localTime, utc: false, uniqueId: recId, callId: recId} : undefined
  },
}

import {parseUniqueId, UNIQUEID_SOURCE} from '../asterisk-id.js'
import {epochWallClock, wallClock} from '../time.js'
import {AUDIO_EXT, splitPath} from './parts.js'
import type {FilenamePattern} from './types.js'

// Asterisk recordings named in the dialplan from the channel's uniqueid, the common forms:
//   MixMonitor(${UNIQUEID}.wav)                                        1700000000.123.wav, pbx1-1700000000.123.wav
//   MixMonitor(${STRFTIME(${EPOCH},,%Y%m%d-%H%M%S)}-${UNIQUEID}.wav)   20260315-143012-1700000000.123.wav
//   Monitor(wav,${UNIQUEID}) without the m option                      1700000000.123-in.wav and -out.wav
// (Asterisk app_mixmonitor and app_monitor documentation; public dialplans such as "MixMonitor(${UNIQUEID}.wav,b)").
// A written time is the PBX's local time when recording started; without one, the uniqueid's epoch (when the
// channel was created) gives the time in UTC. In a bare name the system name is one token (asterisk.conf.sample:
// "my_system_name"): a hyphenated prefix would swallow any broken FreePBX or stamped name as a system name.
const STAMPED = new RegExp(String.raw`^(\d{8})-(\d{6})-(${UNIQUEID_SOURCE})(?:-in|-out)?\.${AUDIO_EXT}$`, 'i')
const BARE = new RegExp(String.raw`^((?:[\w.]+-)?\d{9,10}\.\d+)(?:-in|-out)?\.${AUDIO_EXT}$`, 'i')

export const mixmonitor: FilenamePattern = {
  id: 'asterisk-mixmonitor',
  description: 'Asterisk MixMonitor/Monitor: [YYYYMMDD-HHMMSS-]<uniqueid>[-in|-out].<ext>, local time or the uniqueid epoch (UTC)',
  match(key) {
    const {name} = splitPath(key)
    const stamped = STAMPED.exec(name)
    if (stamped) {
      const localTime = wallClock(stamped[1], stamped[2])
      return localTime ? {localTime, utc: false, uniqueId: stamped[3], callId: stamped[3]} : undefined
    }
    const bare = BARE.exec(name)
    const id = bare && parseUniqueId(bare[1])
    if (!bare || !id) return undefined
    return {localTime: epochWallClock(id.epoch), utc: true, uniqueId: bare[1], callId: bare[1]}
  },
}

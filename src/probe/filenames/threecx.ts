import {wallClock} from '../time.js'
import {AUDIO_EXT, splitPath} from './parts.js'
import type {FilenamePattern, NameFacts} from './types.js'

// 3CX: Recordings/<extension>/[<other party's name>]_<from>-<to>_YYYYMMDDHHMMSS(<call id>).wav, e.g. outbound
// "[]_100-0836826436_20190211124709(2).wav", inbound "[27836826436]_27836826436-100_20190211124743(3).wav"
// (sashintulsiram/callcabinet, 3cxmoverecdata.sh, which reads /var/lib/3cxpbx/Instance1/Data/Recordings/).
// The folder names the recorded extension: the side that matches it is the agent, and tells the direction.
// 3CX does not document the zone of the time: it is read as the PBX's local time.
const NAME = new RegExp(String.raw`^\[[^\]]*\]_([^_-]*)-([^_]*)_(\d{8})(\d{6})\((\d+)\)\.${AUDIO_EXT}$`, 'i')

export const threecx: FilenamePattern = {
  id: '3cx',
  description: '3CX: [Name]_<from>-<to>_YYYYMMDDHHMMSS(<id>).wav, local time',
  match(key) {
    const {folders, name} = splitPath(key)
    const match = NAME.exec(name)
    const localTime = match && wallClock(match[3], match[4])
    if (!match || !localTime) return undefined
    const [, from, to, , , id] = match
    const facts: NameFacts = {localTime, utc: false, uniqueId: id, callId: id, caller: from || undefined, callee: to || undefined}
    const extension = folders.at(-1)
    if (from && extension === from) {
      facts.agent = from
      facts.direction = 'outbound'
    } else if (to && extension === to) {
      facts.agent = to
      facts.direction = 'inbound'
    }
    return facts
  },
}

import type {Direction} from '../../model.js'
import {UNIQUEID_SOURCE} from '../asterisk-id.js'
import {wallClock} from '../time.js'
import {AUDIO_EXT, splitPath} from './parts.js'
import type {FilenamePattern, NameFacts} from './types.js'

// FreePBX's callrecording module (sub-record-check, FreePBX 13+) runs
// MixMonitor(${MIXMON_DIR}${YEAR}/${MONTH}/${DAY}/${CALLFILENAME}.${MON_FMT}) with
// CALLFILENAME = <type>-<to>-<from>-${TIMESTR}-${UNIQUEID} and TIMESTR = ${STRFTIME(${NOW},,%Y%m%d-%H%M%S)}: the PBX's
// local time. <from> is the literal "unknown" when there is no caller ID. Source: FreePBX
// callrecording/functions.inc.php; Issabel example "force-0821XXXX8663-3201-20250327-092517-1743042317.12206.wav"
// (diditho.com, "Understanding Issabel/Asterisk call recording file format").
const NAME = new RegExp(String.raw`^([a-z]+)-([^-]*)-([^-]*)-(\d{8})-(\d{6})-(${UNIQUEID_SOURCE})\.${AUDIO_EXT}$`, 'i')

// What a type tells. "internal" and "external" are extension-to-extension legs: "external" when the call came in
// through a DID (CALLTYPE = FROM_DID set), so <to> is the extension that took an outside call. For "out", <from> is
// the extension that dialled. force, ondemand, conf, parked… say how recording started, not the direction.
const TYPES: Record<string, {direction: Direction; agent?: 'to' | 'from'}> = {
  in: {direction: 'inbound'},
  q: {direction: 'inbound'},
  rg: {direction: 'inbound'},
  external: {direction: 'inbound', agent: 'to'},
  out: {direction: 'outbound', agent: 'from'},
  internal: {direction: 'internal'},
  exten: {direction: 'internal'},
}

export const freepbx: FilenamePattern = {
  id: 'freepbx',
  description: 'FreePBX: YYYY/MM/DD/<type>-<to>-<from>-YYYYMMDD-HHMMSS-<uniqueid>.<ext>, local time',
  match(key) {
    const match = NAME.exec(splitPath(key).name)
    const localTime = match && wallClock(match[4], match[5])
    if (!match || !localTime) return undefined
    const [, rawType, rawTo, rawFrom, , , uniqueId] = match
    const type = rawType.toLowerCase()
    const to = known(rawTo)
    const from = known(rawFrom)
    const facts: NameFacts = {localTime, utc: false, uniqueId, callId: uniqueId, callee: to, caller: from, callType: type === 'q' && to ? `q-${to}` : type}
    if (type === 'q') facts.queue = to
    const meaning = TYPES[type]
    if (meaning) {
      facts.direction = meaning.direction
      if (meaning.agent) facts.agent = meaning.agent === 'to' ? to : from
    }
    return facts
  },
}

function known(value: string): string | undefined {
  return value === '' || value === 'unknown' ? undefined : value
}

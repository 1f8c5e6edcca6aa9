import {isoDay, retentionOf} from '../policy/retention.js'
import {dateData, recordingRule} from './types.js'

// S3 Object Lock keeps a version whatever callrec's policy says: a lock that outlasts the retention makes a due
// deletion impossible (COMPLIANCE even for the root account). Worth knowing before the purge that will fail.
export default recordingRule(
  {
    id: 'lock-outlasts-retention',
    severity: 'warning',
    description: 'S3 Object Lock keeps a recording whose retention has ended: S3 would refuse its deletion',
    messages: {
      legalHold: 'recorded {{date}} ({{origin}}): retention of {{duration}} ended {{end}}, but an Object Lock legal hold keeps it: S3 would refuse its deletion',
      retention: 'recorded {{date}} ({{origin}}): retention of {{duration}} ended {{end}}, but Object Lock {{mode}} retention until {{until}} keeps it: S3 would refuse its deletion',
    },
  },
  (recording, {policy, now}) => {
    const lock = recording.stored?.objectLock
    if (!lock) return undefined
    const retention = retentionOf(recording, policy)
    if (!retention || retention.endsAt > now.toMillis()) return undefined
    const until = lock.retainUntil && new Date(lock.retainUntil) > now.toJSDate() ? lock.retainUntil : undefined
    if (!lock.legalHold && !until) return undefined
    const data = {...dateData(recording), duration: retention.duration, end: isoDay(retention.endsAt)}
    return lock.legalHold ? {messageId: 'legalHold', data} : {messageId: 'retention', data: {...data, mode: lock.mode ?? '', until: until!.slice(0, 10)}}
  },
)

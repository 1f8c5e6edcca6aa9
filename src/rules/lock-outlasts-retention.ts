import {retentionOf} from '../policy/retention.js'
import {describeDate, recordingRule} from './types.js'

// S3 Object Lock keeps a version whatever callrec's policy says: a lock that outlasts the retention makes a due
// deletion impossible (COMPLIANCE even for the root account). Worth knowing before the purge that will fail.
export default recordingRule(
  {id: 'lock-outlasts-retention', severity: 'warning', description: 'S3 Object Lock keeps a recording whose retention has ended: S3 would refuse its deletion'},
  (recording, {policy, now}) => {
    const lock = recording.stored?.objectLock
    if (!lock) return undefined
    const retention = retentionOf(recording, policy)
    if (!retention || retention.endsAt > now) return undefined
    const until = lock.retainUntil && new Date(lock.retainUntil) > now.toJSDate() ? lock.retainUntil : undefined
    if (!lock.legalHold && !until) return undefined
    const by = lock.legalHold ? 'an Object Lock legal hold' : `Object Lock ${lock.mode} retention until ${until!.slice(0, 10)}`
    return {message: `${describeDate(recording)}: retention of ${retention.duration} ended ${retention.endsAt.toISODate()}, but ${by} keeps it: S3 would refuse its deletion`}
  },
)

// The heartbeat of a lock held in a bucket, against a store whose answers the test releases one by one.
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'
import {BakeryLock} from '../../src/state/s3-lock.ts'

test('a release waits for the heartbeat under way: the ticket is never written again after its deletion', async () => {
  const calls: string[] = []
  let answerExists!: (exists: boolean) => void
  const store = {
    location: 's3://bucket/archive/.callrec',
    exists: (key: string) => {
      calls.push(`exists ${key}`)
      return new Promise<boolean>((resolve) => (answerExists = resolve))
    },
    writeAtomic: async (key: string) => void calls.push(`write ${key}`),
    removeCurrent: async (key: string) => void calls.push(`remove ${key}`),
  }
  const lock = new BakeryLock(store as never, 'locks/run/t-000000000001-x', Buffer.from('{}\n'))
  lock.startHeartbeat(5)
  while (calls.length === 0) await sleep(2) // a heartbeat is asking whether its ticket still exists
  const released = lock.release()
  await sleep(20)
  assert.deepEqual(calls, ['exists locks/run/t-000000000001-x'], 'nothing deleted while the heartbeat is under way')
  answerExists(true)
  await released
  assert.deepEqual(calls, ['exists locks/run/t-000000000001-x', 'remove locks/run/t-000000000001-x'], 'the ticket is not refreshed once released, and then deleted')
  await sleep(20)
  assert.equal(calls.length, 2, 'no heartbeat after the release')
  assert.equal(lock.compromised, undefined)
})

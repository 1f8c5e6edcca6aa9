// Adds 1 to the number in argv[2], argv[3] times, each time under the lock of argv[2]: for test/journal/lock.test.ts.
import {readFileSync, writeFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'
import {withLock} from '../../src/journal/lock.js'

const [file, times] = [process.argv[2], Number(process.argv[3])]
for (let i = 0; i < times; i++) {
  await withLock(file, async () => {
    const count = Number(readFileSync(file, 'utf8'))
    await sleep(2) // a read-modify-write that another holder would interleave with
    writeFileSync(file, String(count + 1))
  })
}

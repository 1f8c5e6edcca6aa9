// Takes the lock of argv[2] and keeps it until killed: a holder for test/journal/lock.test.ts.
import {tryLock} from '../../src/journal/lock.js'

await tryLock(process.argv[2], 'test')
process.stdout.write('locked\n')
setInterval(() => {}, 1000)

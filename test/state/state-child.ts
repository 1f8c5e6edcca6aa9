// A second "host" for the shared-state tests: takes an archive's run lock through src/state/ and holds it a while.
// Usage: node --import tsx state-child.ts ARCHIVE HOLD_MS, or HOLD_MS `stdin`: until its stdin ends. Prints "locked" once it holds the lock, "released" at the
// end; "refused" and exit 4 when another run holds it.
import {setTimeout as sleep} from 'node:timers/promises'
import {openArchive} from '../../src/archive.ts'
import {CallrecError} from '../../src/errors.ts'
import {stateOf} from '../../src/state/index.ts'

const [location, holdMs] = process.argv.slice(2)
const state = await stateOf(await openArchive({location}))
try {
  const lock = await state.tryRunLock(location)
  console.log('locked')
  if (holdMs === 'stdin') await new Promise((resolve) => process.stdin.on('end', resolve).resume())
  else await sleep(Number(holdMs))
  const lost = lock.compromised
  await lock.release()
  console.log(lost ? `lost ${lost.message}` : 'released')
} catch (error) {
  if (!(error instanceof CallrecError) || error.exitCode !== 4) throw error
  console.log(`refused ${error.message}`)
  process.exitCode = 4
}

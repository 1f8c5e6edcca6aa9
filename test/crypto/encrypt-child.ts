// Child process for the crash, permission and disk-full tests: encrypts every plaintext in a folder in place.
// Usage: node --import tsx test/crypto/encrypt-child.ts FOLDER RECIPIENT (journal in FOLDER/.callrec/)
// Prints "ready", then one line per finished file, then the batch as JSON.
import {readdir} from 'node:fs/promises'
import {AgeSealer} from '../../src/crypto/age.js'
import {AGE_SUFFIX, encryptKeys, journalLedger} from '../../src/crypto/encrypt-file.js'
import {FileJournal} from '../../src/journal/file.js'
import {LocalStore} from '../../src/store/local.js'

const [folder, recipient] = process.argv.slice(2)
const sealer = new AgeSealer({recipients: [recipient]})
const keys = (await readdir(folder)).filter((name) => !name.startsWith('.') && !name.endsWith(AGE_SUFFIX)).sort()
process.stdout.write('ready\n')
// The folder's own journal, as `callrec encrypt` keeps it: a rerun recognises the pairs a killed run left.
const journal = new FileJournal(`${folder}/.callrec/journal.jsonl`, {user: 'test', host: 'test'})
const batch = await encryptKeys(new LocalStore(folder), keys, sealer, journalLedger(journal, {to: recipient}), {
  concurrency: 8,
  onProgress: (progress) => process.stdout.write(`${progress.done} ${progress.key}\n`),
})
process.stdout.write(JSON.stringify(batch) + '\n')

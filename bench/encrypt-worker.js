// The callrec side of bench/encrypt.ts, on the compiled code (dist/) as the CLI runs it, so that its peak RSS
// is the core's and not tsx's. Prints {seconds, maxRssMB, files?} as JSON.
import {createWriteStream} from 'node:fs'
import {readdir} from 'node:fs/promises'
import path from 'node:path'
import {pipeline} from 'node:stream/promises'
import pMap from 'p-map'
import {AgeSealer, decrypterFor, openAge} from '../dist/crypto/age.js'
import {contents, encryptKeys} from '../dist/crypto/encrypt-file.js'
import {LocalStore} from '../dist/store/local.js'

const [operation, ...args] = process.argv.slice(2)
// The archive's read path (as encryptKey and decryptKey read), and a plain file write as age does it (no fsync).
async function read(file) {
  return contents(await new LocalStore(path.dirname(file)).open(path.basename(file)))
}
const start = performance.now()
let files
if (operation === 'encrypt') {
  const [input, output, recipient] = args
  const {ciphertext} = await new AgeSealer({recipients: [recipient]}).encrypt(await read(input))
  await pipeline(ciphertext, createWriteStream(output))
} else if (operation === 'decrypt') {
  const [input, output, identity] = args
  await pipeline(await openAge(await read(input), decrypterFor([identity])), createWriteStream(output))
} else if (operation === 'in-place') {
  // What `callrec encrypt` does per recording: temp, fsync, rename, verify, remove the plaintext.
  const [folder, recipient, concurrency] = args
  const keys = (await readdir(folder)).filter((name) => name.endsWith('.wav'))
  const batch = await encryptKeys(new LocalStore(folder), keys, new AgeSealer({recipients: [recipient]}), {
    concurrency: Number(concurrency),
    onProgress: ({done, total}) => done % 2000 === 0 && process.stderr.write(`  ${done}/${total}\n`),
  })
  if (batch.failures.length > 0) throw new Error(`${batch.failures.length} failures, the first: ${JSON.stringify(batch.failures[0])}`)
  files = batch.results.length
} else if (operation === 'floor') {
  // The I/O of the same steps without encryption: copy through a temp file, fsync, rename, remove the original.
  const [folder, concurrency] = args
  const store = new LocalStore(folder)
  const keys = (await readdir(folder)).filter((name) => name.endsWith('.wav'))
  await pMap(keys, async (key) => {
    const entry = await store.open(key)
    await store.writeAtomic(`${key}.copy`, contents(entry))
    await entry.close()
    await store.remove(key)
  }, {concurrency: Number(concurrency)})
  files = keys.length
} else throw new Error(`unknown operation ${operation}`)
process.stdout.write(JSON.stringify({seconds: (performance.now() - start) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024, files}))

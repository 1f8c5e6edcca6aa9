// SHA-256 on another thread. Encrypting a big file hashes every byte twice (the plaintext read, the ciphertext
// written: the journal names both), which cost as much main-thread time as the encryption itself; on a second core
// the hashing runs beside it. The bytes are copied into 1 MiB blocks that are handed over (transferred, not
// copied again); at most MAX_IN_FLIGHT bytes wait for the hashing thread, so memory stays bounded when it lags.
import {createHash} from 'node:crypto'
import {Worker} from 'node:worker_threads'

/** A SHA-256 being computed: feed it in order, then ask for the hex digest once. */
export interface Sha256 {
  update(bytes: Uint8Array): void | Promise<void>
  digest(): Promise<string>
}

/** Files smaller than this are hashed in place: handing bytes to a thread costs more than hashing them. */
export const OFF_THREAD_MIN_BYTES = 8 * 1024 * 1024
const BLOCK = 1 << 20
const MAX_IN_FLIGHT = 4 * BLOCK

/** A SHA-256 for `size` bytes: on the hashing thread for a big file, in place otherwise. */
export function sha256For(size: number): Sha256 {
  if (size < OFF_THREAD_MIN_BYTES) {
    const hash = createHash('sha256')
    return {update: (bytes) => void hash.update(bytes), digest: async () => hash.digest('hex')}
  }
  return new ThreadSha256()
}

// CommonJS, evaluated as the worker's source: no file to find next to the compiled code (tsx runs src/ as it is).
const WORKER_SOURCE = `
const {parentPort} = require('node:worker_threads')
const {createHash} = require('node:crypto')
const hashes = new Map()
parentPort.on('message', ({id, bytes, length, end}) => {
  let hash = hashes.get(id)
  if (!hash) hashes.set(id, (hash = createHash('sha256')))
  hash.update(new Uint8Array(bytes, 0, length))
  if (end) hashes.delete(id)
  parentPort.postMessage({id, done: length, hex: end ? hash.digest('hex') : undefined, bytes}, [bytes])
})
`

interface Pending {
  inFlight: number
  waiting?: () => void
  digest?: {resolve(hex: string): void; reject(error: Error): void}
}

let worker: Worker | undefined
const spare: ArrayBuffer[] = []
const SPARE_BLOCKS = 2 * (MAX_IN_FLIGHT / BLOCK) + 2
const newBlock = () => {
  const reused = spare.pop()
  return reused ? Buffer.from(reused) : Buffer.allocUnsafeSlow(BLOCK)
}
const pending = new Map<number, Pending>()
let nextId = 0

function hashingThread(): Worker {
  if (worker) return worker
  const created = new Worker(WORKER_SOURCE, {eval: true})
  created.on('message', ({id, done, hex, bytes}: {id: number; done: number; hex?: string; bytes: ArrayBuffer}) => {
    // Blocks come back once hashed and are used again: their memory is outside V8's heap, and a thread that
    // allocates nothing would not collect them for a long while (300 MB for 1 GB hashed).
    if (spare.length < SPARE_BLOCKS) spare.push(bytes)
    const state = pending.get(id)
    if (!state) return
    state.inFlight -= done
    if (state.inFlight <= MAX_IN_FLIGHT) state.waiting?.()
    if (hex !== undefined) {
      pending.delete(id)
      state.digest?.resolve(hex)
    }
  })
  const fail = (error: Error) => {
    worker = undefined
    for (const state of pending.values()) {
      state.digest?.reject(error)
      state.waiting?.()
    }
    pending.clear()
  }
  created.on('error', fail)
  created.on('exit', (code) => fail(new Error(`the hashing thread stopped (exit ${code})`)))
  created.unref()
  return (worker = created)
}

// The thread keeps the process alive only while someone waits for it (a digest, room to send): a hash abandoned
// by a failed encryption must not stop the CLI from exiting.
let waits = 0
async function waitFor<T>(thread: Worker, promise: Promise<T>): Promise<T> {
  if (waits++ === 0) thread.ref()
  try {
    return await promise
  } finally {
    if (--waits === 0) thread.unref()
  }
}

class ThreadSha256 implements Sha256 {
  private readonly id = nextId++
  private readonly state: Pending = {inFlight: 0}
  private block = newBlock()
  private filled = 0
  private readonly thread = hashingThread()

  constructor() {
    pending.set(this.id, this.state)
  }

  async update(bytes: Uint8Array): Promise<void> {
    for (let offset = 0; offset < bytes.length; ) {
      const take = Math.min(BLOCK - this.filled, bytes.length - offset)
      this.block.set(bytes.subarray(offset, offset + take), this.filled)
      this.filled += take
      offset += take
      if (this.filled === BLOCK) await this.send(false)
    }
  }

  private async send(end: boolean): Promise<void> {
    if (!pending.has(this.id)) throw new Error('the hashing thread stopped')
    // A block owns its whole ArrayBuffer (allocUnsafeSlow), so handing it over detaches nothing else.
    const bytes = this.block.buffer as ArrayBuffer
    this.state.inFlight += this.filled
    this.thread.postMessage({id: this.id, bytes, length: this.filled, end}, [bytes])
    this.block = newBlock()
    this.filled = 0
    while (this.state.inFlight > MAX_IN_FLIGHT && pending.has(this.id)) await waitFor(this.thread, new Promise<void>((resolve) => (this.state.waiting = resolve)))
  }

  digest(): Promise<string> {
    const result = new Promise<string>((resolve, reject) => (this.state.digest = {resolve, reject}))
    this.send(true).catch((error: Error) => this.state.digest?.reject(error))
    return waitFor(this.thread, result)
  }
}

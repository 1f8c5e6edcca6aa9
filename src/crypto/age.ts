// age files: the header (recipients, identities, scrypt, MAC, armor) is age-encryption's; the payload is ours
// (stream.ts). The library's Recipient and Identity interfaces are where the file key crosses between the two.
import {Decrypter, Encrypter, armor, type Stanza} from 'age-encryption'
import {CallrecError, errorMessage} from '../errors.js'
import {AgeError} from './errors.js'
import {NONCE_SIZE, TAG_SIZE, openPayload, payloadSize, sealPayload} from './stream.js'

export type Target = {recipients: readonly string[]} | {passphrase: string}

const VERSION_LINE = Buffer.from('age-encryption.org/')
const MAX_HEADER = 1024 * 1024
// Armor is decoded by age-encryption in one piece, so armored input is held in memory: refuse what would not fit.
const MAX_ARMORED = 128 * 1024 * 1024

/** Size of the age file for a plaintext, given the length of its header. */
export function ageFileSize(headerLength: number, plaintextSize: number): number {
  return headerLength + payloadSize(plaintextSize)
}

/** Makes a fresh header and file key per file, for recipients (age1…, age1pq1…) or one passphrase. */
export class AgeSealer {
  constructor(readonly target: Target) {
    if ('recipients' in target) {
      if (target.recipients.length === 0) throw new CallrecError('no recipients to encrypt to')
      const check = new Encrypter()
      for (const recipient of target.recipients) {
        try {
          check.addRecipient(recipient)
        } catch {
          throw new CallrecError(`${recipient}: not a valid age recipient`)
        }
      }
    } else if (target.passphrase === '') throw new CallrecError('the passphrase is empty')
  }

  async header(): Promise<{header: Buffer; fileKey: Uint8Array}> {
    const {header, fileKey} = await this.sample()
    // An scrypt stanza must be alone in its header, so the file key is recovered by unwrapping it (a second scrypt).
    return {header, fileKey: fileKey ?? (await decrypterFor([], [(this.target as {passphrase: string}).passphrase]).decryptHeader(header))}
  }

  private async sample(): Promise<{header: Buffer; fileKey?: Uint8Array}> {
    let fileKey: Uint8Array | undefined
    const encrypter = new Encrypter()
    if ('passphrase' in this.target) encrypter.setPassphrase(this.target.passphrase)
    else {
      encrypter.addRecipient({wrapFileKey: (key) => ((fileKey = key), [])})
      for (const recipient of this.target.recipients) encrypter.addRecipient(recipient)
    }
    // For an empty plaintext the library writes header || nonce || one sealed empty chunk: keep the header.
    // Through its stream API: encrypt(Uint8Array) collects with undici's Response, after which V8 answers each
    // external-memory-pressure event with a full mark-compact, doubling the payload's CPU time (measured).
    const parts: Uint8Array[] = []
    const reader = (await encrypter.encrypt(new ReadableStream<Uint8Array>({start: (controller) => controller.close()}))).getReader()
    for (let part = await reader.read(); !part.done; part = await reader.read()) parts.push(part.value)
    const empty = Buffer.concat(parts)
    return {header: empty.subarray(0, empty.length - NONCE_SIZE - TAG_SIZE), fileKey}
  }

  /** The age file for `plaintext`, streamed; `header` is for checking the result. */
  async encrypt(plaintext: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<{ciphertext: AsyncGenerator<Buffer>; header: Buffer}> {
    const {header, fileKey} = await this.header()
    return {ciphertext: sealPayload(fileKey, plaintext, header), header}
  }
}

/** Identities are `AGE-SECRET-KEY-1…` (X25519) or `AGE-SECRET-KEY-PQ-1…` (hybrid) lines; passphrases unlock scrypt files. */
export function decrypterFor(identities: readonly string[], passphrases: readonly string[] = []): Decrypter {
  const decrypter = new Decrypter()
  for (const identity of identities) decrypter.addIdentity(identity)
  for (const passphrase of passphrases) decrypter.addPassphrase(passphrase)
  return decrypter
}

/**
 * Reads and unwraps the header of an age file (binary or armored), then streams its plaintext. Header failures
 * reject before any plaintext exists; payload failures error the returned stream after the last good chunk.
 */
export async function openAge(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, decrypter: Decrypter): Promise<AsyncGenerator<Buffer>> {
  const input: AsyncIterator<Uint8Array> | Iterator<Uint8Array> = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()
  try {
    let head = Buffer.alloc(0)
    let eof = false
    const more = async (): Promise<void> => {
      const next = await input.next()
      if (next.done) eof = true
      else head = Buffer.concat([head, next.value])
    }
    while (!eof && head.length < VERSION_LINE.length) await more()
    // Binary files start with the version line; anything else is taken for armor, which may have leading text.
    if (!startsLikeAge(head)) {
      const armored = () => head.subarray(0, 1024).includes('-----BEGIN')
      while (!eof && head.length <= MAX_ARMORED && (head.length < 1024 || armored())) await more()
      if (!armored()) throw new AgeError('armor', 'not an age-encrypted file (neither binary nor armored)')
      if (!eof) throw new AgeError('armor', `armored file larger than ${MAX_ARMORED >> 20} MiB; convert it to binary with age first`)
      await input.return?.()
      return await openAge([dearmor(head)], decrypter)
    }
    let end = headerEnd(head)
    while (end < 0 && !eof && head.length <= MAX_HEADER) {
      await more()
      end = headerEnd(head)
    }
    if (end < 0) throw new AgeError('header', eof ? 'the file ends inside the header' : 'no end of header in the first 1 MiB')
    const fileKey = await unwrap(decrypter, head.subarray(0, end))
    // age reads the nonce with the header: a missing or short nonce is a header failure.
    while (!eof && head.length < end + NONCE_SIZE) await more()
    if (head.length < end + NONCE_SIZE) throw new AgeError('header', 'the file ends before the payload nonce')
    const nonce = head.subarray(end, end + NONCE_SIZE)
    return openPayload(fileKey, nonce, prepend(head.subarray(end + NONCE_SIZE), eof ? [] : {[Symbol.asyncIterator]: () => input as AsyncIterator<Uint8Array>}))
  } catch (error) {
    await input.return?.()
    throw error
  }
}

/** The header's stanzas as age-encryption parses them (strictly); throws AgeError('header') when it does not parse. */
export async function readStanzas(header: Uint8Array): Promise<Stanza[]> {
  let stanzas: Stanza[] | undefined
  const probe = new Decrypter()
  probe.addIdentity({unwrapFileKey: (found: Stanza[]) => ((stanzas = found), null)})
  await probe.decryptHeader(header).catch((error: unknown) => {
    if (!stanzas) throw new AgeError('header', errorMessage(error))
  })
  return stanzas!
}

/** Length of the header up to and including its MAC line ("--- …\n"), or -1 when not (yet) found. */
export function headerEnd(bytes: Buffer): number {
  const mac = bytes.indexOf('\n---')
  const newline = mac < 0 ? -1 : bytes.indexOf(0x0a, mac + 1)
  return newline < 0 ? -1 : newline + 1
}

function startsLikeAge(head: Buffer): boolean {
  const length = Math.min(head.length, VERSION_LINE.length)
  return head.subarray(0, length).equals(VERSION_LINE.subarray(0, length))
}

function dearmor(text: Buffer): Buffer {
  try {
    return Buffer.from(armor.decode(text.toString('latin1')))
  } catch (error) {
    throw new AgeError('armor', `invalid armor: ${errorMessage(error)}`)
  }
}

async function unwrap(decrypter: Decrypter, header: Buffer): Promise<Uint8Array> {
  // age-encryption compares whatever the MAC line decodes to; a MAC that is not 32 bytes is a malformed header.
  if (!/^--- [A-Za-z0-9+/]{43}\n$/.test(header.subarray(header.lastIndexOf('\n---') + 1).toString('latin1'))) {
    throw new AgeError('header', 'invalid header: malformed MAC line')
  }
  try {
    return await decrypter.decryptHeader(header)
  } catch (error) {
    const message = errorMessage(error)
    if (message.includes('no identity matched')) throw new AgeError('no match', 'no identity matches any of the recipients of this file')
    if (message.includes('HMAC')) throw new AgeError('hmac', 'header MAC mismatch: the header was altered')
    throw new AgeError('header', `invalid header: ${message}`)
  }
}

async function* prepend<T extends Uint8Array>(first: T, rest: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  if (first.length > 0) yield first
  yield* rest
}

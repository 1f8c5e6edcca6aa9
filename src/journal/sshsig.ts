// Signed journal checkpoints in OpenSSH's SSHSIG format (PROTOCOL.sshsig), so that `ssh-keygen -Y verify`
// checks them without callrec. Ed25519 through node:crypto; this file only reads and writes SSH's wire
// encoding (length-prefixed strings) around it: keys as ssh-keygen writes them, signatures as it reads them.
import {createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {CallrecError} from '../errors.js'
import type {Head} from './file.js'

/** The SSHSIG namespace of callrec's checkpoints: `ssh-keygen -Y verify -n callrec-journal`. */
export const NAMESPACE = 'callrec-journal'
const MAGIC = Buffer.from('SSHSIG')
const KEY_TYPE = 'ssh-ed25519'

export interface SigningPublicKey {
  key: KeyObject
  /** The OpenSSH public key line (`ssh-ed25519 AAAA…`). */
  openssh: string
  /** SHA256:… as ssh-keygen -l prints it. */
  fingerprint: string
}

/** What a checkpoint signs: one line of text a person can read, naming the journal's head. */
export function checkpointStatement(head: Head, signedAt: string): string {
  return `callrec journal checkpoint\nseq ${head.seq}\nhash ${head.hash}\nsigned-at ${signedAt}\n`
}

const string = (bytes: Buffer | string) => {
  const body = Buffer.from(bytes)
  const length = Buffer.alloc(4)
  length.writeUInt32BE(body.length)
  return Buffer.concat([length, body])
}

class Reader {
  private at = 0
  constructor(
    private readonly bytes: Buffer,
    private readonly what: string,
  ) {}
  take(length: number): Buffer {
    if (this.at + length > this.bytes.length) throw new CallrecError(`${this.what}: cut short`)
    return this.bytes.subarray(this.at, (this.at += length))
  }
  uint32(): number {
    return this.take(4).readUInt32BE()
  }
  string(): Buffer {
    return this.take(this.uint32())
  }
}

const b64url = (bytes: Buffer) => bytes.toString('base64url')
const publicKeyOf = (raw: Buffer) => createPublicKey({key: {kty: 'OKP', crv: 'Ed25519', x: b64url(raw)}, format: 'jwk'})
const rawOf = (key: KeyObject) => Buffer.from(key.export({format: 'jwk'}).x!, 'base64url')
const blobOf = (raw: Buffer) => Buffer.concat([string(KEY_TYPE), string(raw)])

function describe(raw: Buffer): SigningPublicKey {
  const blob = blobOf(raw)
  return {key: publicKeyOf(raw), openssh: `${KEY_TYPE} ${blob.toString('base64')}`, fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`}
}

/**
 * An Ed25519 private key: OpenSSH's own format (`ssh-keygen -t ed25519 -N ''`) or PKCS#8 PEM (`openssl genpkey
 * -algorithm ed25519`). A passphrase-protected OpenSSH key is refused with what to do.
 */
export async function readSigningKey(file: string): Promise<{key: KeyObject; public: SigningPublicKey}> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CallrecError(`--sign ${file}: cannot read (${error.code ?? error.message})`)
  })
  const openssh = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text)
  if (!openssh) {
    try {
      const key = createPrivateKey(text)
      if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key`)
      return {key, public: describe(rawOf(createPublicKey(key)))}
    } catch (error) {
      throw new CallrecError(`--sign ${file}: not an Ed25519 private key (${(error as Error).message})`)
    }
  }
  const what = `--sign ${file}`
  const reader = new Reader(Buffer.from(openssh[1].replace(/\s+/g, ''), 'base64'), what)
  if (!reader.take(15).equals(Buffer.from('openssh-key-v1\0'))) throw new CallrecError(`${what}: not an OpenSSH private key`)
  const cipher = reader.string().toString()
  reader.string() // kdf name
  reader.string() // kdf options
  if (cipher !== 'none') throw new CallrecError(`${what}: protected by a passphrase; sign with ssh-keygen -Y sign -n ${NAMESPACE}, or use a copy without one on the signing host`)
  if (reader.uint32() !== 1) throw new CallrecError(`${what}: holds several keys`)
  reader.string() // public key blob
  const secret = new Reader(reader.string(), what)
  if (secret.uint32() !== secret.uint32()) throw new CallrecError(`${what}: damaged (check bytes differ)`)
  const type = secret.string().toString()
  if (type !== KEY_TYPE) throw new CallrecError(`${what}: a ${type} key; checkpoints are signed with Ed25519 (ssh-keygen -t ed25519)`)
  const raw = secret.string()
  const seed = secret.string().subarray(0, 32)
  const key = createPrivateKey({key: {kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: b64url(raw)}, format: 'jwk'})
  return {key, public: describe(raw)}
}

/**
 * An Ed25519 public key: an OpenSSH line (`ssh-ed25519 AAAA… comment`, as in `key.pub`), a line of an
 * allowed_signers file (`principal ssh-ed25519 AAAA…`), or SPKI PEM.
 */
export async function readPublicKey(file: string): Promise<SigningPublicKey> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CallrecError(`--pubkey ${file}: cannot read (${error.code ?? error.message})`)
  })
  const line = /(?:^|\s)ssh-ed25519\s+([A-Za-z0-9+/=]+)/.exec(text)
  try {
    if (line) {
      const reader = new Reader(Buffer.from(line[1], 'base64'), `--pubkey ${file}`)
      if (reader.string().toString() !== KEY_TYPE) throw new Error('not an ssh-ed25519 key')
      return describe(reader.string())
    }
    const key = createPublicKey(text)
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key`)
    return describe(rawOf(key))
  } catch (error) {
    throw new CallrecError(`--pubkey ${file}: not an Ed25519 public key (${(error as Error).message})`)
  }
}

function signedData(message: Buffer): Buffer {
  return Buffer.concat([MAGIC, string(NAMESPACE), string(''), string('sha512'), string(createHash('sha512').update(message).digest())])
}

/** `message` signed as `ssh-keygen -Y sign -n callrec-journal` would: an armored SSH SIGNATURE. */
export function sshSign(message: Buffer, key: KeyObject, publicKey: SigningPublicKey): string {
  const signature = sign(null, signedData(message), key)
  const version = Buffer.alloc(4)
  version.writeUInt32BE(1)
  const blob = Buffer.concat([MAGIC, version, string(blobOf(rawOf(publicKey.key))), string(NAMESPACE), string(''), string('sha512'), string(Buffer.concat([string(KEY_TYPE), string(signature)]))])
  const lines = blob.toString('base64').match(/.{1,70}/g)!
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join('\n')}\n-----END SSH SIGNATURE-----\n`
}

/** Whether `armored` is a valid SSHSIG over `message` in callrec's namespace by `publicKey`. */
export function verifySshSignature(message: Buffer, armored: string, publicKey: SigningPublicKey): boolean {
  const body = /-----BEGIN SSH SIGNATURE-----([\s\S]*?)-----END SSH SIGNATURE-----/.exec(armored)
  if (!body) return false
  try {
    const reader = new Reader(Buffer.from(body[1].replace(/\s+/g, ''), 'base64'), 'signature')
    if (!reader.take(6).equals(MAGIC) || reader.uint32() !== 1) return false
    const signer = new Reader(reader.string(), 'signature')
    if (signer.string().toString() !== KEY_TYPE || !signer.string().equals(rawOf(publicKey.key))) return false
    if (reader.string().toString() !== NAMESPACE) return false
    reader.string() // reserved
    if (reader.string().toString() !== 'sha512') return false
    const signature = new Reader(reader.string(), 'signature')
    if (signature.string().toString() !== KEY_TYPE) return false
    return verify(null, signedData(message), publicKey.key, signature.string())
  } catch {
    return false
  }
}

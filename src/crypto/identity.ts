// Identity files in age-keygen's text format, so that keys move freely between callrec and age.
import {Decrypter, Encrypter, armor, generateX25519Identity, identityToRecipient} from 'age-encryption'
import {open, readFile, rm, stat} from 'node:fs/promises'
import {CallrecError, errorMessage} from '../errors.js'
import {decrypterFor, openAge} from './age.js'
import {AgeError} from './errors.js'

/** A new X25519 identity as age-keygen writes it: `# created`, `# public key`, then the secret key. */
export async function newIdentity(created = new Date()): Promise<{recipient: string; text: string}> {
  const identity = await generateX25519Identity()
  const recipient = await identityToRecipient(identity)
  const time = created.toISOString().replace(/\.\d{3}Z$/, 'Z')
  return {recipient, text: `# created: ${time}\n# public key: ${recipient}\n${identity}\n`}
}

/** The identity text encrypted to a passphrase and armored, as `age-keygen | age -p -a` writes it. */
export async function protectIdentity(text: string, passphrase: string): Promise<string> {
  const encrypter = new Encrypter()
  encrypter.setPassphrase(passphrase)
  return armor.encode(await encrypter.encrypt(text))
}

/** Creates `file` with mode 0600, refusing to replace anything there, and makes it durable. */
export async function writePrivateFile(file: string, text: string): Promise<void> {
  let handle
  try {
    handle = await open(file, 'wx', 0o600)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new CallrecError(code === 'EEXIST' ? `${file}: already exists; not overwritten` : `${file}: cannot create (${errorMessage(error)})`)
  }
  try {
    await handle.writeFile(text)
    await handle.sync()
    await handle.close()
  } catch (error) {
    await handle.close().catch(() => {})
    await rm(file, {force: true})
    throw new CallrecError(`${file}: cannot write (${errorMessage(error)})`)
  }
}

/** Refuses a secret (identity or passphrase file) that group or others may access, as ssh does with keys. */
export async function checkPrivate(file: string): Promise<void> {
  let info
  try {
    info = await stat(file)
  } catch (error) {
    throw new CallrecError(`${file}: cannot read (${errorMessage(error)})`)
  }
  if (!info.isFile()) throw new CallrecError(`${file}: not a regular file`)
  const mode = info.mode & 0o777
  if (mode & 0o077) {
    throw new CallrecError(`${file}: permissions ${mode.toString(8).padStart(4, '0')} are too open; a secret must be accessible by its owner only (chmod 600 ${file})`)
  }
}

/**
 * The identities in an age-keygen file (comments and blank lines skipped, several keys allowed). A file that is
 * itself age-encrypted (`age-keygen | age -p`) is unlocked with `passphrase`.
 */
export async function readIdentities(file: string, passphrase?: string): Promise<string[]> {
  await checkPrivate(file)
  const bytes = await readFile(file)
  const text = bytes.toString('utf8')
  if (!text.startsWith('age-encryption.org/') && !text.trimStart().startsWith('-----BEGIN AGE ENCRYPTED FILE-----')) return parseIdentities(text, file)
  if (passphrase === undefined) throw new CallrecError(`${file}: the identity file is passphrase-protected; give --passphrase-file`)
  const plain: Buffer[] = []
  try {
    for await (const chunk of await openAge([bytes], decrypterFor([], [passphrase]))) plain.push(chunk)
  } catch (error) {
    const wrong = error instanceof AgeError && error.kind === 'no match'
    throw new CallrecError(`${file}: ${wrong ? 'wrong passphrase' : `cannot decrypt the identity file (${errorMessage(error)})`}`)
  }
  return parseIdentities(Buffer.concat(plain).toString('utf8'), file)
}

export function parseIdentities(text: string, file: string): string[] {
  const identities: string[] = []
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    try {
      new Decrypter().addIdentity(line)
    } catch {
      throw new CallrecError(`${file}:${index + 1}: not an age identity (AGE-SECRET-KEY-1… or AGE-SECRET-KEY-PQ-1…)`)
    }
    identities.push(line)
  }
  if (identities.length === 0) throw new CallrecError(`${file}: no identity in the file`)
  return identities
}

/** The first line of a passphrase file, without its line ending. */
export async function readPassphrase(file: string): Promise<string> {
  await checkPrivate(file)
  const passphrase = (await readFile(file, 'utf8')).split(/\r?\n/)[0]
  if (passphrase === '') throw new CallrecError(`${file}: the passphrase is empty`)
  return passphrase
}

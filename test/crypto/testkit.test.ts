import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {Readable} from 'node:stream'
import {describe, test} from 'node:test'
import {Decrypter} from 'age-encryption'
import {openAge} from '../../src/crypto/age.js'
import {AgeError} from '../../src/crypto/errors.js'
import {loadVectors, type Vector} from './testkit.ts'

const vectors = loadVectors()

/** Everything openAge released, and how it ended. */
async function decrypt(vector: Vector, pieces: Buffer[]): Promise<{released: Buffer; failure?: string}> {
  const decrypter = new Decrypter()
  for (const identity of vector.identities) decrypter.addIdentity(identity)
  for (const passphrase of vector.passphrases) decrypter.addPassphrase(passphrase)
  const released: Buffer[] = []
  try {
    for await (const chunk of await openAge(Readable.from(pieces), decrypter)) released.push(chunk)
    return {released: Buffer.concat(released)}
  } catch (error) {
    if (!(error instanceof AgeError)) throw error
    return {released: Buffer.concat(released), failure: error.kind}
  }
}

function slices(body: Buffer, size: number): Buffer[] {
  const out = []
  for (let i = 0; i < body.length; i += size) out.push(body.subarray(i, i + size))
  return out
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

describe('age testkit through openAge', () => {
  test('has all 143 vectors', () => assert.equal(vectors.length, 143))

  for (const vector of vectors) {
    test(`${vector.name}: ${vector.expect}`, async () => {
      // In one piece, then in odd-sized pieces that split the armor, header, nonce and chunks anywhere.
      for (const pieces of [[vector.body], slices(vector.body, 997), [...slices(vector.body.subarray(0, 4096), 7), vector.body.subarray(4096)]]) {
        const {released, failure} = await decrypt(vector, pieces)
        assert.equal(failure ?? 'success', vector.expect)
        if (vector.expect === 'success' || vector.expect === 'payload') assert.equal(sha256(released), vector.payload)
        else assert.equal(released.length, 0)
      }
    })
  }
})

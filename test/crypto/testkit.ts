// Reads the age testkit (C2SP CCTV) vectors in /work/shared/testdata/age-testkit: see its FORMAT.md.
import {readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {inflateSync} from 'node:zlib'
import type {AgeFailure} from '../../src/crypto/errors.js'

export const TESTKIT = process.env.CALLREC_AGE_TESTKIT ?? '/work/shared/testdata/age-testkit'

export interface Vector {
  name: string
  expect: 'success' | AgeFailure
  payload?: string
  identities: string[]
  passphrases: string[]
  body: Buffer
}

const EXPECT: Record<string, Vector['expect']> = {
  success: 'success',
  'no match': 'no match',
  'HMAC failure': 'hmac',
  'header failure': 'header',
  'payload failure': 'payload',
  'armor failure': 'armor',
}

export function loadVectors(): Vector[] {
  return readdirSync(TESTKIT)
    .filter((name) => !name.endsWith('.md'))
    .sort()
    .map((name) => parseVector(name, readFileSync(path.join(TESTKIT, name))))
}

function parseVector(name: string, file: Buffer): Vector {
  const split = file.indexOf('\n\n')
  const vector: Vector = {name, expect: 'success', identities: [], passphrases: [], body: file.subarray(split + 2)}
  let compressed = false
  for (const line of file.subarray(0, split).toString('utf8').split('\n')) {
    const colon = line.indexOf(': ')
    const [key, value] = [line.slice(0, colon), line.slice(colon + 2)]
    if (key === 'expect') {
      if (!(value in EXPECT)) throw new Error(`${name}: unknown expect "${value}"`)
      vector.expect = EXPECT[value]
    } else if (key === 'payload') vector.payload = value
    else if (key === 'identity') vector.identities.push(value)
    else if (key === 'passphrase') vector.passphrases.push(value)
    else if (key === 'compressed') compressed = value === 'zlib'
    else if (!['file key', 'armored', 'comment'].includes(key)) throw new Error(`${name}: unknown key "${key}"`)
  }
  if (compressed) vector.body = inflateSync(vector.body)
  return vector
}

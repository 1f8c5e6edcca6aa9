import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)

/**
 * A library loaded at its first use, synchronously (Node 22 `require()`s ES modules too): a command's start-up
 * pays only for the libraries it uses. age-encryption, libphonenumber-js and ora were a third of an audit's
 * start-up, for a policy without recipients, an audit without a number to compare, output to a pipe.
 */
export function lazy<T>(specifier: string): () => T {
  let loaded: T | undefined
  return () => (loaded ??= require(specifier) as T)
}

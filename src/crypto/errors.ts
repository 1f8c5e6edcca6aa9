// Failure classes of the age testkit: each says how far decryption got, so messages and tests can tell them apart.
export type AgeFailure = 'armor' | 'header' | 'no match' | 'hmac' | 'payload'

export class AgeError extends Error {
  constructor(
    readonly kind: AgeFailure,
    message: string,
  ) {
    super(message)
    this.name = 'AgeError'
  }
}

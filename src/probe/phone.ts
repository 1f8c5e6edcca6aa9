import type {CountryCode} from 'libphonenumber-js'
import {lazy} from '../lazy.js'

const phoneNumbers = lazy<typeof import('libphonenumber-js')>('libphonenumber-js')

/**
 * A phone number in E.164 (`+33612345678`), read with the policy's default country for numbers written
 * without an international prefix (`06 12 34 56 78`, `0033612345678`). Undefined for what cannot be a
 * phone number (an internal extension such as `1001`).
 */
export function toE164(number: string, country: string): string | undefined {
  const parsed = phoneNumbers().parsePhoneNumberFromString(number, country.toUpperCase() as CountryCode)
  return parsed?.isPossible() ? parsed.number : undefined
}

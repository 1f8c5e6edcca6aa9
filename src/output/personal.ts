import type {Recording} from '../model.js'

/** A phone number shown only as much as a reader needs to tell calls apart: `+33612345678` → `+336••••••78`. */
export function maskNumber(number: string): string {
  if (number.length <= 5) return '•'.repeat(number.length)
  return number.slice(0, 4) + '•'.repeat(number.length - 6) + number.slice(-2)
}

const PERSONAL_FIELDS = ['caller', 'callee'] as const

/** A copy of the recording with caller and callee numbers masked, unless the user asked for them. */
export function forDisplay(recording: Recording, showPersonal: boolean): Recording {
  if (showPersonal) return recording
  const fields = {...recording.fields}
  for (const name of PERSONAL_FIELDS) {
    const field = fields[name]
    if (field) fields[name] = {...field, value: maskNumber(field.value)}
  }
  return {...recording, fields}
}

// The register's output formats: one function from the entry to text each, listed once (ESLint's formatter shape).
import type {RegisterEntry} from './register.js'
import {registerHtml} from './register-html.js'
import {registerMarkdown} from './register-md.js'

export const REGISTER_FORMATS = {
  md: registerMarkdown,
  html: registerHtml,
  json: (entry: RegisterEntry) => JSON.stringify(entry, null, 2) + '\n',
} as const satisfies Record<string, (entry: RegisterEntry) => string>

export type RegisterFormat = keyof typeof REGISTER_FORMATS

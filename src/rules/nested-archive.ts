import {entryRule} from './types.js'

const meta = {
  id: 'nested-archive',
  severity: 'info',
  description: 'A folder with its own callrec.yml: another archive, skipped (audit, purge and encrypt it on its own)',
  messages: {nested: 'another archive (its own callrec.yml): skipped; run callrec on it'},
} as const

export default entryRule(meta, 'nested-archive', () => ({messageId: 'nested'}))

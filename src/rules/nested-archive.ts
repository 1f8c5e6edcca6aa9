import type {Rule} from './types.js'

const meta = {id: 'nested-archive', severity: 'info', description: 'A folder with its own callrec.yml: another archive, skipped (audit, purge and encrypt it on its own)'} as const

export default {
  meta,
  start: () => ({
    observe: (item) => (item.kind === 'nested-archive' ? [{rule: meta.id, severity: meta.severity, key: item.key, message: 'another archive (its own callrec.yml): skipped; run callrec on it'}] : []),
  }),
} satisfies Rule

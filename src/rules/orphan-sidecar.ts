import type {Rule} from './types.js'

const meta = {id: 'orphan-sidecar', severity: 'warning', description: 'A sidecar whose recording is missing: personal data kept without the recording it describes'} as const

export default {
  meta,
  start: () => ({
    observe: (item) => (item.kind === 'orphan-sidecar' ? [{rule: meta.id, severity: meta.severity, key: item.key, message: 'sidecar without a recording beside it'}] : []),
  }),
} satisfies Rule

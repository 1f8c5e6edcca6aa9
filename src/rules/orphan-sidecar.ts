import {finding, type Rule} from './types.js'

const meta = {
  id: 'orphan-sidecar',
  severity: 'warning',
  description: 'A sidecar whose recording is missing: personal data kept without the recording it describes',
  messages: {orphan: 'sidecar without a recording beside it'},
} as const

export default {
  meta,
  start: () => ({
    observe: (item) => (item.kind === 'orphan-sidecar' ? [finding(meta, item.key, {messageId: 'orphan'})] : []),
  }),
} satisfies Rule

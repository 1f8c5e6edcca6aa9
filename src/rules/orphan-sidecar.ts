import {entryRule} from './types.js'

const meta = {
  id: 'orphan-sidecar',
  severity: 'warning',
  description: 'A sidecar whose recording is missing: personal data kept without the recording it describes',
  messages: {orphan: 'sidecar without a recording beside it'},
} as const

export default entryRule(meta, 'orphan-sidecar', () => ({messageId: 'orphan'}))

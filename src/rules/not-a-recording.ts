import type {Rule} from './types.js'

const meta = {id: 'not-a-recording', severity: 'info', description: 'A file that is not a recording (no audio extension, no audio content): listed, never purged or encrypted'} as const

export default {
  meta,
  start: () => ({
    observe: (item) => (item.kind === 'not-a-recording' ? [{rule: meta.id, severity: meta.severity, key: item.key, message: `not a recording (${item.reason}): left alone`}] : []),
  }),
} satisfies Rule

import {finding, type Rule} from './types.js'

const meta = {
  id: 'not-a-recording',
  severity: 'info',
  description: 'A file that is not a recording (no audio extension, no audio content): listed, never purged or encrypted',
  messages: {notRecording: 'not a recording ({{reason}}): left alone'},
} as const

export default {
  meta,
  start: () => ({
    observe: (item) => (item.kind === 'not-a-recording' ? [finding(meta, item.key, {messageId: 'notRecording', data: {reason: item.reason}})] : []),
  }),
} satisfies Rule

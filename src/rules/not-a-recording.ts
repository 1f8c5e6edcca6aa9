import {entryRule} from './types.js'

const meta = {
  id: 'not-a-recording',
  severity: 'info',
  description: 'A file that is not a recording (no audio extension, no audio content): listed, never purged or encrypted',
  messages: {notRecording: 'not a recording ({{reason}}): left alone'},
  details: ['reason'],
} as const

export default entryRule(meta, 'not-a-recording', (item) => ({messageId: 'notRecording', data: {reason: item.reason}}))

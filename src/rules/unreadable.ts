import {finding, type Rule} from './types.js'

const meta = {
  id: 'unreadable',
  severity: 'error',
  description: 'Not readable as audio (damaged, cut short, not audio, too slow to parse) or not followed (symlink out of the archive)',
  messages: {unreadable: '{{reason}}'},
  details: ['reason'],
} as const

export default {
  meta,
  start: () => ({
    observe(item) {
      if (item.kind === 'refused') return [finding(meta, item.key, {messageId: 'unreadable', data: {reason: item.reason}})]
      if (item.kind === 'recording' && item.recording.unreadable) return [finding(meta, item.recording.key, {messageId: 'unreadable', data: {reason: item.recording.unreadable}})]
      return []
    },
  }),
} satisfies Rule

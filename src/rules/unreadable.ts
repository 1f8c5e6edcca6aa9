import type {Rule} from './types.js'

const meta = {id: 'unreadable', severity: 'error', description: 'Not readable as audio (damaged, cut short, not audio, too slow to parse) or not followed (symlink out of the archive)'} as const

export default {
  meta,
  start: () => ({
    observe(item) {
      if (item.kind === 'refused') return [{rule: meta.id, severity: meta.severity, key: item.key, message: item.reason}]
      if (item.kind === 'recording' && item.recording.unreadable) return [{rule: meta.id, severity: meta.severity, key: item.recording.key, message: item.recording.unreadable}]
      return []
    },
  }),
} satisfies Rule

import type {Finding} from '../model.js'
import type {Rule} from './types.js'

const meta = {id: 'invalid-sidecar', severity: 'error', description: 'A sidecar or tag value that is not valid (named field); unknown sidecar fields are listed, not kept'} as const

export default {
  meta,
  start: () => ({
    observe(item) {
      if (item.kind !== 'recording') return []
      return item.recording.problems.map((problem): Finding => ({
        rule: meta.id,
        severity: problem.unknown ? 'info' : meta.severity,
        key: item.recording.key,
        message: `${problem.source}: ${problem.message}`,
      }))
    },
  }),
} satisfies Rule

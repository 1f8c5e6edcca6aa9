import {finding, type Rule} from './types.js'

const meta = {
  id: 'invalid-sidecar',
  severity: 'error',
  description: 'A sidecar or tag value that is not valid (named field); unknown sidecar fields are listed, not kept',
  messages: {invalid: '{{source}}: {{problem}}', unknownField: '{{source}}: {{field}}: not a field callrec knows; not used'},
  details: ['problem'],
} as const

export default {
  meta,
  start: () => ({
    observe(item) {
      if (item.kind !== 'recording') return []
      return item.recording.problems.map((problem) =>
        problem.unknown && problem.field
          ? finding(meta, item.recording.key, {severity: 'info', messageId: 'unknownField', data: {source: problem.source, field: problem.field}})
          : finding(meta, item.recording.key, {severity: problem.unknown ? 'info' : meta.severity, messageId: 'invalid', data: {source: problem.source, problem: problem.message}}),
      )
    },
  }),
} satisfies Rule

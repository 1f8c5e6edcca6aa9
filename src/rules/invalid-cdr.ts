import type {Rule} from './types.js'

const meta = {id: 'invalid-cdr', severity: 'warning', description: 'A CDR row that cannot be read; the audit uses the other rows'} as const

export default {
  meta,
  start: ({cdr}) => ({
    observe: () => [],
    *finish() {
      for (const problem of cdr.problems()) yield {rule: meta.id, severity: meta.severity, key: problem.ref, message: problem.message}
    },
  }),
} satisfies Rule

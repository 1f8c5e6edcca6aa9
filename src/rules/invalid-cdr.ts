import {finding, type Rule} from './types.js'

const meta = {
  id: 'invalid-cdr',
  severity: 'warning',
  description: 'A CDR row that cannot be read; the audit uses the other rows',
  messages: {invalid: '{{problem}}'},
  details: ['problem'],
} as const

export default {
  meta,
  start: ({cdr}) => ({
    observe: () => [],
    *finish() {
      for (const problem of cdr.problems()) yield finding(meta, problem.ref, {messageId: 'invalid', data: {problem: problem.message}})
    },
  }),
} satisfies Rule

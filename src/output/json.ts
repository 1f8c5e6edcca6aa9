import type {AuditSummary} from '../audit.js'
import type {Finding, Recording} from '../model.js'
import {findingForDisplay, forDisplay} from './personal.js'
import type {AuditFormat} from './types.js'

export interface AuditResult {
  summary: AuditSummary
  recordings: Recording[]
  findings: Finding[]
}

/** Collects the whole result: what `--json` returns and `--format json` prints. */
export function collectResult(showPersonal: boolean) {
  const result: Omit<AuditResult, 'summary'> = {recordings: [], findings: []}
  return {
    result,
    recording: async (recording: Recording) => void result.recordings.push(forDisplay(recording, showPersonal)),
    finding: async (finding: Finding) => void result.findings.push(findingForDisplay(finding, showPersonal)),
  }
}

export default {
  id: 'json',
  description: '{summary, recordings, findings}, with the source of every field',
  streams: false,
  create(write, {showPersonal}) {
    const collected = collectResult(showPersonal)
    return {
      ...collected,
      end: (summary) => write(JSON.stringify({summary, ...collected.result}, null, 2) + '\n'),
    }
  },
} satisfies AuditFormat

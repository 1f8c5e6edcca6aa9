// TEMPORARY stub until the pbx branch lands.
import type {CdrCall, CdrProblem} from './types.js'
export function parseCdr(_bytes: Buffer, _file: string, _format: string, _timezone: string): {calls: CdrCall[]; problems: CdrProblem[]} {
  return {calls: [], problems: []}
}

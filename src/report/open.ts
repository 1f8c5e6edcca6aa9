import path from 'node:path'
import {openArchive, type Archive} from '../archive.js'

/** The archive of a report: --archive, else the argument, else the folder of --policy, else as git finds a repository. */
export function openReportArchive(options: {archive?: string; arg?: string; policy?: string}): Promise<Archive> {
  const location = options.archive ?? options.arg ?? (options.policy ? path.dirname(options.policy) : undefined)
  return openArchive({location, policy: options.policy})
}

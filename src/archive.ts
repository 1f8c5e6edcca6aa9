import {access, realpath, stat} from 'node:fs/promises'
import path from 'node:path'
import {CallrecError} from './errors.js'
import {defaultPolicy, loadPolicyFile, POLICY_FILE, type LoadedPolicy} from './policy/load.js'
import {LocalStore} from './store/local.js'
import type {Store} from './store/types.js'

export interface Archive {
  store: Store
  /** The archive root as the user sees it. */
  root: string
  policy: LoadedPolicy['policy']
  policyFile?: string
}

export interface ArchiveOptions {
  /** Path given as argument or --archive; otherwise the nearest folder holding callrec.yml. */
  location?: string
  policy?: string
  cwd?: string
}

/** Finds the archive the way git finds its repository, then loads its policy. */
export async function openArchive(options: ArchiveOptions): Promise<Archive> {
  const cwd = options.cwd ?? process.cwd()
  if (options.location?.startsWith('s3://')) throw new CallrecError(`${options.location}: S3 archives are not supported yet; use a local folder`)
  const root = options.location ? path.resolve(cwd, options.location) : ((await findPolicyRoot(cwd)) ?? cwd)
  const info = await stat(root).catch(() => undefined)
  if (!info?.isDirectory()) throw new CallrecError(`${options.location ?? root}: not a folder`)
  const policyFile = options.policy ? path.resolve(cwd, options.policy) : path.join(root, POLICY_FILE)
  const loaded = options.policy || (await exists(policyFile)) ? await loadPolicyFile(policyFile) : {policy: defaultPolicy()}
  return {store: new LocalStore(await realpath(root)), root, policy: loaded.policy, policyFile: loaded.file}
}

async function findPolicyRoot(start: string): Promise<string | undefined> {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (await exists(path.join(dir, POLICY_FILE))) return dir
    if (path.dirname(dir) === dir) return undefined
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  )
}

import {access, realpath, stat} from 'node:fs/promises'
import path from 'node:path'
import {CallrecError, errorMessage, EXIT} from './errors.js'
import {defaultPolicy, loadPolicyFile, parsePolicy, POLICY_FILE, type LoadedPolicy} from './policy/load.js'
import {isStoreUrl, openStore} from './store/index.js'
import type {Store} from './store/types.js'

export interface Archive {
  store: Store
  /** The archive root as the user sees it. */
  root: string
  policy: LoadedPolicy['policy']
  policyFile?: string
}

export interface ArchiveOptions {
  /**
   * Path or URL (s3://bucket/prefix) given as argument or --archive; otherwise the nearest folder from the
   * current one up holding callrec.yml, and without one a usage error: never the current folder by default
   * (from `/`, that would be the whole machine).
   */
  location?: string
  policy?: string
  cwd?: string
}

/** Finds the archive the way git finds its repository, then loads its policy. */
export async function openArchive(options: ArchiveOptions): Promise<Archive> {
  const cwd = options.cwd ?? process.cwd()
  if (options.location && isStoreUrl(options.location)) {
    const store = await openStore(options.location)
    const loaded = options.policy ? await loadPolicyFile(path.resolve(cwd, options.policy)) : await loadStorePolicy(store)
    return {store, root: store.location, policy: loaded.policy, policyFile: loaded.file}
  }
  const root = options.location ? path.resolve(cwd, options.location) : await findPolicyRoot(cwd)
  if (root === undefined) throw new CallrecError(`no archive here: no ${POLICY_FILE} in ${cwd} or above; name the archive folder, or run \`callrec init\` in it`, EXIT.usage)
  const info = await stat(root).catch(() => undefined)
  if (!info?.isDirectory()) throw new CallrecError(`${options.location ?? root}: not a folder`)
  const policyFile = options.policy ? path.resolve(cwd, options.policy) : path.join(root, POLICY_FILE)
  const loaded = options.policy || (await exists(policyFile)) ? await loadPolicyFile(policyFile) : {policy: defaultPolicy()}
  return {store: await openStore(await realpath(root)), root, policy: loaded.policy, policyFile: loaded.file}
}

/** callrec.yml at the root of an archive that is not a local folder; the CNIL defaults without one. */
async function loadStorePolicy(store: Store): Promise<LoadedPolicy> {
  const file = `${store.location}/${POLICY_FILE}`
  const bytes = await store.readFile(POLICY_FILE).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw new CallrecError(`${file}: cannot read the policy (${error.code ?? errorMessage(error)})`)
  })
  return bytes ? {policy: parsePolicy(bytes.toString('utf8'), file), file} : {policy: defaultPolicy()}
}

/** The nearest folder from `start` up that holds callrec.yml: the archive a file or folder belongs to. */
export async function findPolicyRoot(start: string): Promise<string | undefined> {
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

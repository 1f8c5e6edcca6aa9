import {CallrecError} from '../errors.js'
import {LocalStore} from './local.js'
import type {Store} from './types.js'

/** Stores named by a URL, by scheme: a new backend is one file and one line here. */
// Loaded on demand: the AWS SDK alone weighs ~30 MB of memory that a local audit does not need.
const URL_STORES: Record<string, (location: string) => Promise<Store>> = {
  's3:': async (location) => (await import('./s3.js')).openS3Store(location),
}

/** Whether `location` is a URL (`s3://bucket/prefix`) rather than a local path. */
export function isStoreUrl(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location)
}

/** An archive whose listing found no recording: a wrong prefix or an unmounted folder until told otherwise (exit 2). */
export function emptyArchiveError(store: Store): CallrecError {
  const what = isStoreUrl(store.location) ? `nothing under ${store.location}: wrong prefix?` : `${store.location}: empty folder: not mounted?`
  return new CallrecError(`${what} (no recording found; --allow-empty if that is expected)`)
}

/** The store at `location`: a URL of a registered scheme, or else a local folder given by its real path. */
export async function openStore(location: string): Promise<Store> {
  if (!isStoreUrl(location)) return new LocalStore(location)
  const open = URL_STORES[location.slice(0, location.indexOf(':') + 1).toLowerCase()]
  if (!open) throw new CallrecError(`${location}: not a supported archive location (a folder, or s3://bucket/prefix)`)
  return open(location)
}

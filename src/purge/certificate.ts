import {randomBytes} from 'node:crypto'
import {link, lstat, open, stat, unlink} from 'node:fs/promises'
import path from 'node:path'
import type {Archive} from '../archive.js'
import {CallrecError, errorMessage} from '../errors.js'
import type {Actor} from '../journal/actor.js'
import {inside} from '../journal/paths.js'
import {csvRows} from '../output/csv-safe.js'
import type {Masker} from '../output/personal.js'
import {syncFolder} from '../store/local.js'
import type {Deleted, PurgeResult} from './execute.js'
import {dueFacts} from './select.js'
import type {FileFact as StoreFileFact} from '../store/types.js'

export const CERTIFICATE_FORMATS = ['.json', '.csv']

export interface Certificate {
  title: string
  archive: string
  policy: string
  /** SHA-256 of the policy file's bytes as the run read them; absent with the CNIL defaults (no callrec.yml). */
  policySha256?: string
  callrecVersion: string
  run: string
  /** The instant retention was counted from (--now, or the clock). */
  now: string
  startedAt: string
  finishedAt: string
  by: Actor
  selectedBy: string[]
  reason?: string
  /** The journal entries that prove each deletion, and its head (`seq:hash`) after the run: `callrec access-log verify --head`. */
  journal: PurgeResult['journal']
  /** Recordings whose every file was unlinked while it had no other hard link: destroyed. */
  deleted: Deleted[]
  /** Unlinked from the archive, but a file had other hard links: its content survives elsewhere, not destroyed. */
  unlinkedOnly: (Deleted & {links: {key: string; links: number}[]})[]
  kept: {key: string; why: string}[]
  vanished: string[]
  failed: PurgeResult['failed']
  /** Set when the journal could not take an entry and the run stopped before its next deletion. */
  stopped?: PurgeResult['stopped']
  /** No recording was due and no interrupted run was left. */
  nothingDue?: boolean
}

/**
 * The certificate's path, checked before anything is deleted: a known extension; not among the recordings
 * (inside the root only under a hidden folder such as .callrec/, which is never listed); a folder that exists
 * and takes a new file (tried for real: modes, read-only mounts, a full disk); and no file there yet: a
 * certificate is proof, never overwritten.
 */
export async function certificatePath(archive: Archive, file: string): Promise<string> {
  const resolved = path.resolve(file)
  if (!CERTIFICATE_FORMATS.includes(path.extname(resolved).toLowerCase())) throw new CallrecError(`--certificate ${file}: name a .json or .csv file`)
  const relative = inside(archive.root, resolved)
  if (relative !== undefined && !relative.split(path.sep).slice(0, -1).some((part) => part.startsWith('.'))) {
    throw new CallrecError(`--certificate ${file}: inside the archive, where it would be taken for a sidecar; write it elsewhere (or under .callrec/)`)
  }
  const folder = path.dirname(resolved)
  const info = await stat(folder).catch(() => undefined)
  if (!info?.isDirectory()) throw new CallrecError(`--certificate ${file}: no folder ${folder}; nothing deleted`)
  if (await lstat(resolved).then(() => true, () => false)) throw new CallrecError(`--certificate ${file}: already exists; a certificate is never overwritten (name each run's, e.g. with the time); nothing deleted`)
  const probe = path.join(folder, `.callrec-probe-${process.pid}-${randomBytes(4).toString('hex')}`)
  try {
    await (await open(probe, 'wx', 0o600)).close()
    await unlink(probe)
  } catch (error) {
    throw new CallrecError(`--certificate ${file}: cannot write in ${folder} (${errorMessage(error)}); nothing deleted`)
  }
  return resolved
}

/** Splits what the run deleted into recordings destroyed and recordings whose content other hard links keep. */
export function byDestruction(deleted: Deleted[]): Pick<Certificate, 'deleted' | 'unlinkedOnly'> {
  const destroyed: Deleted[] = []
  const unlinkedOnly: Certificate['unlinkedOnly'] = []
  for (const item of deleted) {
    const linked = item.files.filter((file) => (file.links ?? 1) > 1).map((file) => ({key: file.key, links: file.links!}))
    if (linked.length > 0) unlinkedOnly.push({...item, links: linked})
    else destroyed.push(item)
  }
  return {deleted: destroyed, unlinkedOnly}
}

const COLUMNS = ['key', 'status', 'files', 'size', 'sha256', 'links', 'sidecar', 'rules', 'recordedAt', 'recordedAtSource', 'purpose', 'retention', 'retentionEndedAt', 'deletedAt', 'deletedBy', 'run', 'now', 'policySha256', 'callrecVersion', 'journal', 'journalHead', 'seq', 'entryHash', 'versions']

/**
 * Writes the certificate of destruction, JSON or CSV by extension: a temp file, fsynced, then linked to its
 * name, which fails if a file took that name meanwhile (never overwritten).
 */
export async function writeCertificate(file: string, certificate: Certificate): Promise<void> {
  let text = ''
  if (path.extname(file).toLowerCase() === '.json') text = JSON.stringify(certificate, null, 2) + '\n'
  else {
    const by = [certificate.by.name, `${certificate.by.user}@${certificate.by.host}`].filter(Boolean).join(' ')
    const csv = csvRows(COLUMNS, async (chunk) => void (text += chunk))
    const rows = [...certificate.deleted.map((item) => ({item, status: 'destroyed'})), ...certificate.unlinkedOnly.map((item) => ({item, status: 'unlinked, other hard links remain'}))]
    for (const {item, status} of rows) {
      await csv.row({
        key: item.key,
        status,
        files: item.files.map((fact) => fact.key).join('\n'),
        size: item.files.reduce((sum, fact) => sum + fact.size, 0),
        sha256: item.files.map((fact: StoreFileFact) => fact.sha256 ?? `etag ${fact.etag}`).join('\n'),
        versions: item.files.map((fact: StoreFileFact) => fact.versions?.join(' ') ?? '').join('\n'),
        links: item.files.map((fact) => fact.links ?? '').join('\n'),
        sidecar: item.sidecar,
        rules: item.rules.join(' '),
        ...dueFacts(item),
        deletedAt: item.deletedAt,
        deletedBy: by,
        run: certificate.run,
        now: certificate.now,
        policySha256: certificate.policySha256,
        callrecVersion: certificate.callrecVersion,
        journal: certificate.journal.file,
        journalHead: certificate.journal.head,
        seq: item.seq,
        entryHash: item.entryHash,
      })
    }
    await csv.end()
  }
  const folder = path.dirname(file)
  const temp = path.join(folder, `.callrec-tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
  const handle = await open(temp, 'wx', 0o640)
  try {
    await handle.writeFile(text)
    await handle.sync()
    await handle.close()
    await link(temp, file).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EEXIST' ? new CallrecError(`--certificate ${file}: created by something else during the run; not overwritten`, 3) : error
    })
  } finally {
    await handle.close().catch(() => {})
    await unlink(temp).catch(() => {})
  }
  await syncFolder(folder)
}

type PurgeFacts = Pick<Certificate, 'deleted' | 'vanished' | 'failed'> & Partial<Pick<Certificate, 'unlinkedOnly'>> & {[list in 'kept' | 'held' | 'changed' | 'undone']?: {key: string; why: string}[]}

/**
 * A certificate or a purge result as it is shown or written: keys, file names and reasons with their phone
 * numbers masked (personal.ts), unless --show-personal. The SHA-256 of each file, the journal seq and the entry
 * hash still tie every line to its journal entry, which keeps the name (docs/purge.md, "Personal data in keys").
 */
export function maskPurgeFacts<T extends PurgeFacts>(facts: T, mask: Masker): T {
  const pair = <P extends {key: string; why: string}>(item: P): P => ({...item, key: mask.key(item.key), why: mask.text(item.why, [item.key])})
  const maskDeleted = <D extends Deleted>(deleted: D): D => ({
    ...deleted,
    key: mask.key(deleted.key),
    files: deleted.files.map((file) => ({...file, key: mask.key(file.key)})),
    ...(deleted.sidecar ? {sidecar: mask.key(deleted.sidecar)} : {}),
  })
  const lists = Object.fromEntries((['kept', 'held', 'changed', 'undone'] as const).filter((name) => facts[name]).map((name) => [name, facts[name]!.map(pair)]))
  return {
    ...facts,
    ...lists,
    deleted: facts.deleted.map(maskDeleted),
    ...(facts.unlinkedOnly ? {unlinkedOnly: facts.unlinkedOnly.map((item) => ({...maskDeleted(item), links: item.links.map((file) => ({...file, key: mask.key(file.key)}))}))} : {}),
    vanished: facts.vanished.map((key) => mask.key(key)),
    failed: facts.failed.map(({key, error}) => ({key: mask.key(key), error: mask.text(error, [key])})),
  }
}

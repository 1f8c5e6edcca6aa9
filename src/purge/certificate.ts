import path from 'node:path'
import type {Archive} from '../archive.js'
import {CallrecError} from '../errors.js'
import type {Actor} from '../journal/actor.js'
import {inside} from '../journal/paths.js'
import {csvRows} from '../output/csv-safe.js'
import {LocalStore} from '../store/local.js'
import type {FileFact as StoreFileFact} from '../store/types.js'
import type {PurgeResult} from './execute.js'

export const CERTIFICATE_FORMATS = ['.json', '.csv']

export interface Certificate {
  title: string
  archive: string
  policy: string
  run: string
  startedAt: string
  finishedAt: string
  by: Actor
  selectedBy: string[]
  reason?: string
  /** The journal entries that prove each deletion: verify them with `callrec access-log verify`. */
  journal: PurgeResult['journal']
  deleted: PurgeResult['deleted']
  kept: {key: string; why: string}[]
  vanished: string[]
  failed: PurgeResult['failed']
}

/**
 * The certificate's path, checked before anything is deleted: a known extension, and not among the
 * recordings (inside the root only under a hidden folder such as .callrec/, which is never listed).
 */
export function certificatePath(archive: Archive, file: string): string {
  const resolved = path.resolve(file)
  if (!CERTIFICATE_FORMATS.includes(path.extname(resolved).toLowerCase())) throw new CallrecError(`--certificate ${file}: name a .json or .csv file`)
  const relative = inside(archive.root, resolved)
  if (relative !== undefined && !relative.split(path.sep).slice(0, -1).some((part) => part.startsWith('.'))) {
    throw new CallrecError(`--certificate ${file}: inside the archive, where it would be taken for a sidecar; write it elsewhere (or under .callrec/)`)
  }
  return resolved
}

const COLUMNS = ['key', 'files', 'size', 'sha256', 'sidecar', 'rules', 'recordedAt', 'recordedAtSource', 'purpose', 'retention', 'retentionEndedAt', 'deletedAt', 'deletedBy', 'run', 'journal', 'seq', 'entryHash', 'versions']

/** Writes the certificate of destruction, JSON or CSV by extension, through a temp file and a rename. */
export async function writeCertificate(file: string, certificate: Certificate): Promise<void> {
  let text = ''
  if (path.extname(file).toLowerCase() === '.json') text = JSON.stringify(certificate, null, 2) + '\n'
  else {
    const by = [certificate.by.name, `${certificate.by.user}@${certificate.by.host}`].filter(Boolean).join(' ')
    const csv = csvRows(COLUMNS, async (chunk) => void (text += chunk))
    for (const deleted of certificate.deleted) {
      await csv.row({
        key: deleted.key,
        files: deleted.files.map((fact) => fact.key).join('\n'),
        size: deleted.files.reduce((sum, fact) => sum + fact.size, 0),
        sha256: deleted.files.map((fact: StoreFileFact) => fact.sha256 ?? `etag ${fact.etag}`).join('\n'),
        versions: deleted.files.map((fact: StoreFileFact) => fact.versions?.join(' ') ?? '').join('\n'),
        sidecar: deleted.sidecar,
        rules: deleted.rules.join(' '),
        recordedAt: deleted.recordedAt?.value,
        recordedAtSource: deleted.recordedAt?.source,
        purpose: deleted.purpose,
        retention: deleted.retention?.duration,
        retentionEndedAt: deleted.retention?.endedAt,
        deletedAt: deleted.deletedAt,
        deletedBy: by,
        run: certificate.run,
        journal: certificate.journal.file,
        seq: deleted.seq,
        entryHash: deleted.entryHash,
      })
    }
    await csv.end()
  }
  await new LocalStore(path.dirname(file)).writeAtomic(path.basename(file), Buffer.from(text), {mode: 0o640})
}

// What the S3 test servers (s3rver, Ceph RGW) share: an SDK client set up as PLATFORM-NOTES says, a way to
// put an archive's files into a bucket, and a way to stop the server.
import type {ChildProcess} from 'node:child_process'
import {PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import pMap from 'p-map'
import type {ArchiveFiles} from '../helpers.ts'

/** Path style, static credentials, checksums only where required (else streamed uploads keep their chunk framing). */
export function testClient(endpoint: string, env: {AWS_REGION: string; AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string}): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: env.AWS_REGION,
    credentials: {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY},
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
}

/** Whether an object belongs to an archive's shared state (`.callrec/` under its prefix), not to its recordings. */
export const isStateKey = (key: string | undefined): boolean => (key ?? '').split('/').includes('.callrec')

/** Puts files as makeArchive() writes them: a string or Buffer as is, an object as JSON. */
export async function putFiles(client: S3Client, bucket: string, files: ArchiveFiles, prefix = '', concurrency = 16): Promise<void> {
  await pMap(
    Object.entries(files),
    ([key, content]) => {
      const body = typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content, null, 2)
      return client.send(new PutObjectCommand({Bucket: bucket, Key: prefix + key, Body: body}))
    },
    {concurrency},
  )
}

/** Ends a server child whose stdin closing makes it exit (s3rver, the Ceph supervisor), and waits for it. */
export async function endChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.stdin!.end()
  await exited
}

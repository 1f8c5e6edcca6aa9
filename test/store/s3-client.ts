// What the S3 test servers (s3rver, Ceph RGW) share: an SDK client set up as PLATFORM-NOTES says, and a way to
// put an archive's files into a bucket.
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

// Ceph's RADOS Gateway on loopback for the tests: a real S3 implementation with versioning and Object Lock.
// A throwaway single-node cluster (one ceph-mon, one ceph-osd on memstore, one radosgw), modelled on Ceph's
// vstart.sh, run by a bash supervisor that removes everything when its stdin closes: the cluster never
// outlives a test process, even one that was killed.
import {spawn} from 'node:child_process'
import {createServer} from 'node:net'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client} from '@aws-sdk/client-s3'
import type {ArchiveFiles} from '../helpers.ts'
import {putFiles, testClient} from './s3-client.ts'

export interface Ceph {
  endpoint: string
  /** The environment that points callrec (or the SDK) at this server. */
  env: Record<string, string>
  client: S3Client
  /** A bucket; `lock` makes it an Object Lock bucket (and so versioned), `versioned` turns versioning on. */
  createBucket(bucket: string, options?: {versioned?: boolean; lock?: boolean}): Promise<void>
  put(bucket: string, files: ArchiveFiles, prefix?: string): Promise<void>
  stop(): Promise<void>
}

const ACCESS_KEY = 'CALLRECTEST'
const SECRET_KEY = 'callrec-test-secret'

/** A free TCP port on 127.0.0.1, as the OS hands it out. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise((resolve) => server.close(resolve))
  return port
}

const SUPERVISOR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ceph-cluster.sh')

export async function startCeph(): Promise<Ceph> {
  const [monPort, rgwPort] = [await freePort(), await freePort()]
  const child = spawn('bash', [SUPERVISOR], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {...process.env, MON_PORT: String(monPort), RGW_PORT: String(rgwPort), ACCESS_KEY, SECRET_KEY},
  })
  let errors = ''
  child.stderr.on('data', (chunk) => (errors += chunk))
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => String(chunk).includes('ready') && resolve())
    child.once('exit', (code) => reject(new Error(`the Ceph cluster did not start (exit ${code}): ${errors.slice(-2000)}`)))
  })
  const endpoint = `http://127.0.0.1:${rgwPort}`
  const env = {
    CALLREC_S3_ENDPOINT: endpoint,
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent/callrec-test-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/callrec-test-credentials',
  }
  const client = testClient(endpoint, env)
  // The first CreateBucket and PutObject of a fresh gateway take seconds (pools being made): pay that here.
  await client.send(new CreateBucketCommand({Bucket: 'warm-up'}))
  await client.send(new PutObjectCommand({Bucket: 'warm-up', Key: 'x', Body: 'x'}))
  await client.send(new DeleteObjectCommand({Bucket: 'warm-up', Key: 'x'}))
  await client.send(new DeleteBucketCommand({Bucket: 'warm-up'}))
  return {
    endpoint,
    env,
    client,
    createBucket: async (bucket, options = {}) => {
      await client.send(new CreateBucketCommand({Bucket: bucket, ObjectLockEnabledForBucket: options.lock || undefined}))
      if (options.versioned && !options.lock) {
        await client.send(new PutBucketVersioningCommand({Bucket: bucket, VersioningConfiguration: {Status: 'Enabled'}}))
      }
    },
    put: (bucket, files, prefix = '') => putFiles(client, bucket, files, prefix, 8),
    stop: async () => {
      client.destroy()
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.stdin.end()
        await exited
      }
    },
  }
}

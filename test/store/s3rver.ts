// A real S3-compatible server on loopback for the tests: s3rver in a child process, on a free port, in a temp folder.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {CreateBucketCommand, type S3Client} from '@aws-sdk/client-s3'
import {ROOT, type ArchiveFiles} from '../helpers.ts'
import {endChild, putFiles, testClient} from './s3-client.ts'

export interface S3rver {
  endpoint: string
  /** The environment that points callrec (or the SDK) at this server. */
  env: Record<string, string>
  client: S3Client
  /** TCP connections accepted so far. */
  connections(): number
  createBucket(bucket: string): Promise<void>
  /** Puts files as makeArchive() writes them: a string or Buffer as is, an object as JSON. */
  put(bucket: string, files: ArchiveFiles, prefix?: string): Promise<void>
  stop(): Promise<void>
}

export async function startS3rver(): Promise<S3rver> {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrec-s3rver-'))
  // s3rver encrypts continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider. The server
  // exits when its stdin closes, so it never outlives a test process that was killed.
  // It prints its port, then a line for each TCP connection it accepts.
  const serve = `const S3rver = require(${JSON.stringify(path.join(ROOT, 'node_modules/s3rver'))})
const server = new S3rver({directory: ${JSON.stringify(dir)}, address: '127.0.0.1', port: 0, silent: true})
server.run().then(({port}) => {
  console.log('port ' + port)
  server.httpServer.on('connection', () => console.log('connection'))
})
process.stdin.on('end', () => process.exit()).resume()`
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', serve], {stdio: ['pipe', 'pipe', 'inherit']})
  let connections = 0
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      const text = String(chunk)
      connections += text.split('connection').length - 1
      const port = /port (\d+)/.exec(text)
      if (port) resolve(port[1])
    })
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening`)))
  })
  const endpoint = `http://127.0.0.1:${port}`
  // Static credentials, and no profile or config file of the machine's user.
  const env = {
    CALLREC_S3_ENDPOINT: endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
  }
  const client = testClient(endpoint, env)
  return {
    endpoint,
    env,
    client,
    connections: () => connections,
    createBucket: async (bucket) => {
      await client.send(new CreateBucketCommand({Bucket: bucket}))
    },
    put: (bucket, files, prefix = '') => putFiles(client, bucket, files, prefix),
    stop: async () => {
      client.destroy()
      await endChild(child)
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

// A tiny S3 endpoint on loopback that answers conditional writes the way AWS S3 documents and answers them, for what no
// local server does right (s3rver ignores If-None-Match; Ceph RGW 16 ignores it on versioned buckets): a PUT with
// If-None-Match: * on an existing key gets AWS's recorded 412 PreconditionFailed, and a test can make the next
// write to a key meet AWS's recorded 409 ConditionalRequestConflict (a conditional write racing another one).
// Objects live in a Map; GET, HEAD, DELETE, HeadBucket and ListObjectsV2 are answered as AWS does, enough for
// the SDK. Bodies and headers of the error responses are AWS's, copied from real responses
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html, and the S3 error codes list).
import {createHash, randomBytes} from 'node:crypto'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

const PRECONDITION_FAILED = (requestId: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition><RequestId>${requestId}</RequestId><HostId>zJ5dtmBDqKbA4fVcsBmyvz9hQYkZpmmTUvVPAt8ZFxuEaXt3Jq6UoaPMLJGu8rcq86kfqGrVDvU=</HostId></Error>`
const CONFLICT = (requestId: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ConditionalRequestConflict</Code><Message>A conflicting conditional operation is currently in progress against this resource. Please try again.</Message><RequestId>${requestId}</RequestId><HostId>pYk6s0aQdRmG4vP0y7h2gP5Vx8mUqZLwQ0y1l9o1mJc3b6wZ0vX4kT2u8nE7sR5aH1fD9gB3cL=</HostId></Error>`
const NO_SUCH_KEY = (key: string, requestId: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${key}</Key><RequestId>${requestId}</RequestId></Error>`

export interface Replay {
  endpoint: string
  env: Record<string, string>
  objects: Map<string, {body: Buffer; modifiedAt: Date}>
  /** Every request as `METHOD key` with its conditional header, in order. */
  log: string[]
  /** Called before a PUT is judged: a test can make "another host" write first, or answer 409 itself. */
  beforePut?: (key: string) => 'conflict' | void
  stop(): Promise<void>
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export async function startReplay(bucket: string): Promise<Replay> {
  const objects = new Map<string, {body: Buffer; modifiedAt: Date}>()
  const log: string[] = []
  const replay = {objects, log} as Replay
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const url = new URL(request.url!, 'http://localhost')
    const requestId = randomBytes(8).toString('hex').toUpperCase()
    const [, name, ...rest] = decodeURIComponent(url.pathname).split('/')
    const key = rest.join('/')
    const send = (status: number, text = '', headers: Record<string, string> = {}) => {
      response.writeHead(status, {'x-amz-request-id': requestId, ...(text ? {'content-type': 'application/xml'} : {}), ...headers})
      response.end(request.method === 'HEAD' ? undefined : text)
    }
    log.push(`${request.method} ${key}${request.headers['if-none-match'] ? ` If-None-Match: ${request.headers['if-none-match']}` : ''}`)
    if (name !== bucket) return send(404, '<Error><Code>NoSuchBucket</Code></Error>')
    if (!key) {
      if (request.method === 'HEAD') return send(200, '', {'x-amz-bucket-region': 'eu-west-3'})
      const prefix = url.searchParams.get('prefix') ?? ''
      const after = url.searchParams.get('start-after') ?? ''
      const listed = [...objects.entries()].filter(([k]) => k.startsWith(prefix) && k > after).sort(([a], [b]) => (a < b ? -1 : 1))
      const contents = listed.map(([k, o]) => `<Contents><Key>${escape(k)}</Key><LastModified>${o.modifiedAt.toISOString()}</LastModified><ETag>"${createHash('md5').update(o.body).digest('hex')}"</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
      return send(200, `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${escape(prefix)}</Prefix><KeyCount>${listed.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents.join('')}</ListBucketResult>`)
    }
    const object = objects.get(key)
    const etag = object && `"${createHash('md5').update(object.body).digest('hex')}"`
    switch (request.method) {
      case 'PUT': {
        if (replay.beforePut?.(key) === 'conflict') return send(409, CONFLICT(requestId))
        if (request.headers['if-none-match'] === '*' && objects.has(key)) return send(412, PRECONDITION_FAILED(requestId))
        objects.set(key, {body, modifiedAt: new Date()})
        return send(200, '', {etag: `"${createHash('md5').update(body).digest('hex')}"`})
      }
      case 'GET':
      case 'HEAD':
        if (!object) return request.method === 'HEAD' ? send(404) : send(404, NO_SUCH_KEY(key, requestId))
        response.writeHead(200, {'x-amz-request-id': requestId, etag: etag!, 'last-modified': object.modifiedAt.toUTCString(), 'content-length': String(object.body.length), 'content-type': 'application/octet-stream'})
        return response.end(request.method === 'HEAD' ? undefined : object.body)
      case 'DELETE':
        objects.delete(key)
        return send(204)
      default:
        return send(405)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  const home = mkdtempSync(path.join(tmpdir(), 'callrec-replay-'))
  replay.endpoint = `http://127.0.0.1:${port}`
  replay.env = {
    CALLREC_S3_ENDPOINT: replay.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIAREPLAY',
    AWS_SECRET_ACCESS_KEY: 'replay',
    AWS_REGION: 'eu-west-3',
    AWS_CONFIG_FILE: path.join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-credentials'),
  }
  replay.stop = () => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(() => resolve()))
  }
  return replay
}

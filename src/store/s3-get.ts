// The audit's hot path on S3 is two GETs a recording (its first 8 KiB, its sidecar). Through the SDK each one runs
// some twenty middleware layers (endpoint rules, retry tokens, schema (de)serialisation, config copies): profiled,
// most of callrec's CPU. Here a GET is signed by the SDK's own SigV4 signer (@smithy/signature-v4), for the
// endpoint the SDK resolved once, and sent on the client's kept-alive agent. Only a 2xx answer is taken: anything
// else (an error, a redirect, a dropped kept-alive socket) is asked again through the SDK, which retries, follows
// and names errors as for every other request.
import {request as httpRequest, type Agent as HttpAgent, type IncomingMessage} from 'node:http'
import {request as httpsRequest, type Agent as HttpsAgent} from 'node:https'
import type {Readable} from 'node:stream'
import {GetObjectCommand, type S3Client} from '@aws-sdk/client-s3'
import {getEndpointFromInstructions} from '@smithy/core/endpoints'
import {extendedEncodeURIComponent} from '@smithy/core/protocols'
import {SignatureV4} from '@smithy/signature-v4'

/** SHA-256 of an empty body: a GET has none. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

export interface GetInput {
  Key: string
  Range?: string
  IfMatch?: string
  VersionId?: string
}

/** The fields of GetObject's output the store reads, as the SDK names them. */
export interface GetOutput {
  Body: Readable
  ContentRange?: string
  ContentLength?: number
  LastModified?: Date
  ETag?: string
  ContentType?: string
  Metadata?: Record<string, string>
  ObjectLockLegalHoldStatus?: string
  ObjectLockMode?: string
  ObjectLockRetainUntilDate?: Date
}

interface Target {
  url: URL
  signer: SignatureV4
}

export class LightGet {
  private target?: Promise<Target>

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly agents: {http: HttpAgent; https: HttpsAgent},
    /** The bucket's region when HeadBucket said it (it may differ from the client's). */
    private readonly region: string | undefined,
    private readonly socketTimeoutMs: number,
  ) {}

  async send(input: GetInput): Promise<GetOutput> {
    const answer = await this.direct(input).catch(() => undefined)
    if (answer) return answer
    return (await this.client.send(new GetObjectCommand({Bucket: this.bucket, ...input}))) as GetOutput
  }

  /** The endpoint and signing region of this bucket, as the SDK's endpoint rules give them (resolved once). */
  private resolve(): Promise<Target> {
    this.target ??= (async () => {
      const config = this.client.config
      const region = this.region ?? (await config.region())
      const endpoint = await getEndpointFromInstructions({Bucket: this.bucket, Key: 'x'}, GetObjectCommand as never, {...config, region: async () => region} as never)
      const scheme = (endpoint.properties?.authSchemes as {name?: string; signingRegion?: string; signingName?: string}[] | undefined)?.[0]
      if (scheme?.name !== undefined && scheme.name !== 'sigv4') throw new Error(`auth scheme ${scheme.name}: left to the SDK`)
      const signer = new SignatureV4({
        credentials: config.credentials,
        region: scheme?.signingRegion ?? region,
        service: scheme?.signingName ?? 's3',
        sha256: config.sha256,
        // S3 signs the path as sent, encoded once.
        uriEscapePath: false,
        applyChecksum: false,
      })
      return {url: endpoint.url, signer}
    })()
    return this.target
  }

  /** One signed GET; undefined when the answer is not a 2xx (then the SDK asks again). */
  private async direct(input: GetInput): Promise<GetOutput | undefined> {
    const {url, signer} = await this.resolve()
    const path = url.pathname.replace(/\/$/, '') + '/' + input.Key.split('/').map(extendedEncodeURIComponent).join('/')
    const query: Record<string, string> = input.VersionId ? {versionId: input.VersionId} : {}
    const headers: Record<string, string> = {host: url.host, 'x-amz-content-sha256': EMPTY_SHA256}
    if (input.Range) headers.range = input.Range
    if (input.IfMatch) headers['if-match'] = input.IfMatch
    const signed = await signer.sign({method: 'GET', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path, query, headers})
    const https = url.protocol === 'https:'
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = (https ? httpsRequest : httpRequest)({
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port || undefined,
        method: 'GET',
        path: input.VersionId ? `${path}?versionId=${encodeURIComponent(input.VersionId)}` : path,
        headers: signed.headers,
        agent: https ? this.agents.https : this.agents.http,
      })
      request.setTimeout(this.socketTimeoutMs, () => request.destroy(new Error('socket timeout')))
      request.once('response', resolve).once('error', reject).end()
    })
    const status = response.statusCode ?? 0
    if (status < 200 || status >= 300) {
      response.resume()
      return undefined
    }
    return outputOf(response)
  }
}

function outputOf(response: IncomingMessage): GetOutput {
  const header = (name: string) => {
    const value = response.headers[name]
    return Array.isArray(value) ? value.join(', ') : value
  }
  const date = (name: string) => {
    const value = header(name)
    return value === undefined ? undefined : new Date(value)
  }
  const metadata: Record<string, string> = {}
  for (const [name, value] of Object.entries(response.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(', ') : value
  }
  const length = header('content-length')
  return {
    Body: response,
    ContentRange: header('content-range'),
    ContentLength: length === undefined ? undefined : Number(length),
    LastModified: date('last-modified'),
    ETag: header('etag'),
    ContentType: header('content-type'),
    Metadata: metadata,
    ObjectLockLegalHoldStatus: header('x-amz-object-lock-legal-hold'),
    ObjectLockMode: header('x-amz-object-lock-mode'),
    ObjectLockRetainUntilDate: date('x-amz-object-lock-retain-until-date'),
  }
}

import { awsClientConfig } from '../../../lib/aws/clients'
import { awsErrorCode, httpStatusOf, isAccessDenied } from '../../../lib/aws/errors'
import { messageOf, UserError } from '../../../lib/errors'

/**
 * Where reviewed plans are kept: the environment's state bucket, under
 * `plans/<workspace>/<state key>/`, so the plan role needs rights on one
 * prefix of a bucket it already uses, and a plan lives beside the state it
 * was made against.
 */
export interface PlanLocation {
  bucket: string
  region: string
  /** The backend's S3 endpoint override (`endpoints = { s3 = "…" }`), if any. */
  endpoint?: string
  pathStyle: boolean
  /** `plans/<workspace>/<state key>`, without a trailing slash. */
  prefix: string
  /** A KMS key id, alias or ARN for SSE-KMS; undefined lets S3 use the account's AWS managed key (aws/s3). */
  kmsKey?: string
}

export const PLAN_PREFIX = 'plans'

/**
 * The store's place, read from the same `backend-config` Terraform gets, so
 * the plan and its state cannot end up in different buckets. Undefined when
 * the settings do not name an S3 bucket and key.
 */
export function planLocation(
  backend: ReadonlyMap<string, string>,
  workspace: string,
  env: NodeJS.ProcessEnv,
  kmsKey?: string,
): PlanLocation | undefined {
  const bucket = backend.get('bucket')?.trim()
  const key = backend.get('key')?.trim()
  if (!bucket || !key) return undefined
  const region = backend.get('region')?.trim() || env.AWS_REGION || env.AWS_DEFAULT_REGION || ''
  const endpoint = /\bs3\s*=\s*"([^"]+)"/.exec(backend.get('endpoints') ?? '')?.[1] ?? backend.get('endpoint')?.trim()
  return {
    bucket,
    region,
    ...(endpoint ? { endpoint } : {}),
    pathStyle: (backend.get('use_path_style') ?? backend.get('force_path_style') ?? '').trim() === 'true',
    prefix: `${PLAN_PREFIX}/${workspace}/${key.replace(/^\/+/, '')}`,
    ...(kmsKey ? { kmsKey } : {}),
  }
}

export function planKeys(location: PlanLocation, pullRequest: number): { plan: string; metadata: string } {
  const base = `${location.prefix}/pr-${pullRequest}`
  return { plan: `${base}.tfplan`, metadata: `${base}.json` }
}

/** The two calls the reviewed-plan flow makes, so tests can count them or make them fail. */
export interface PlanStore {
  put(key: string, body: Uint8Array | string, contentType: string): Promise<void>
  /** Undefined when there is no such object. */
  get(key: string): Promise<Uint8Array | undefined>
}

/**
 * The store through the AWS SDK's S3 client with the job's AWS credentials
 * (the SDK's default chain: oidc-auth's environment variables, a profile, web
 * identity). Every object is written with SSE-KMS: a saved plan holds
 * variable values in clear.
 */
export function s3PlanStore(location: PlanLocation, env: NodeJS.ProcessEnv): PlanStore {
  // Loaded on first use, so a run without reviewed plans does not load the S3 client.
  const sdk = import('@aws-sdk/client-s3').then((module) => ({
    module,
    client: new module.S3Client({
      ...awsClientConfig('S3', location.region, env),
      ...(location.endpoint ? { endpoint: location.endpoint } : {}),
      forcePathStyle: location.pathStyle,
    }),
  }))
  const where = (key: string) => `s3://${location.bucket}/${key}`
  return {
    async put(key, body, contentType) {
      const { module, client } = await sdk
      try {
        await client.send(
          new module.PutObjectCommand({
            Bucket: location.bucket,
            Key: key,
            Body: body,
            ContentType: contentType,
            ServerSideEncryption: 'aws:kms',
            ...(location.kmsKey ? { SSEKMSKeyId: location.kmsKey } : {}),
          }),
        )
      } catch (error) {
        throw storeError('save', where(key), error)
      }
    },
    async get(key) {
      const { module, client } = await sdk
      try {
        const response = await client.send(new module.GetObjectCommand({ Bucket: location.bucket, Key: key }))
        return response.Body ? await response.Body.transformToByteArray() : new Uint8Array()
      } catch (error) {
        if (awsErrorCode(error) === 'NoSuchKey' || httpStatusOf(error) === 404) return undefined
        throw storeError('read', where(key), error)
      }
    },
  }
}

function storeError(verb: 'save' | 'read', where: string, error: unknown): UserError {
  if (isAccessDenied(error)) {
    return new UserError(
      `Could not ${verb} the reviewed plan at ${where}: access denied.`,
      `The role needs s3:${verb === 'save' ? 'PutObject' : 'GetObject'} on the bucket's ${PLAN_PREFIX}/ prefix and use of its KMS key (terraform/bootstrap grants both).`,
    )
  }
  const code = awsErrorCode(error)
  return new UserError(`Could not ${verb} the reviewed plan at ${where}: ${code ? `${code}: ` : ''}${messageOf(error).split('\n')[0]}`)
}

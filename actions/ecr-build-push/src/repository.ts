import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  type ImageTagMutabilityExclusionFilter,
  PutLifecyclePolicyCommand,
  type Repository,
} from '@aws-sdk/client-ecr'
import { awsErrorCode, isAccessDenied } from '../../../lib/aws/errors'
import * as core from '../../../lib/core'
import { messageOf, UserError } from '../../../lib/errors'
import { type AwsCallOptions, awsCall } from './aws-call'
import type { EcrApi } from './ecr-login'

export interface RepositorySettings {
  mutability: 'IMMUTABLE' | 'MUTABLE'
  scanOnPush: boolean
  /** KMS key ARN, ID or alias; AES256 when absent. */
  kmsKey?: string
  tags: Map<string, string>
  /** Images the lifecycle policy keeps; 0 means no policy. */
  keepImages: number
}

export interface RepositoryInfo {
  name: string
  mutability: string
  exclusionFilters: ImageTagMutabilityExclusionFilter[]
  /** True when this run created it. */
  created: boolean
}

export interface EnsureRepositoryRequest {
  name: string
  registryId?: string
  create: boolean
  settings: RepositorySettings
  /** Refuses a repository (found, or about to be created with these settings) that cannot take this run's tags: throws before anything is created. */
  check?: (repository: Pick<RepositoryInfo, 'mutability' | 'exclusionFilters'>) => void
}

/** Finds the repository, or creates it with the requested settings when allowed. Existing repositories are never changed. */
export async function ensureRepository(ecr: EcrApi, request: EnsureRepositoryRequest, options: AwsCallOptions): Promise<RepositoryInfo> {
  const existing = await describe(ecr, request, options)
  if (existing) return checked(request, infoOf(existing, false))
  if (!request.create) {
    throw new UserError(
      `ECR repository '${request.name}' does not exist${request.registryId ? ` in registry ${request.registryId}` : ''}.`,
      "Create it, or set 'create-repository: true'.",
    )
  }
  request.check?.({ mutability: request.settings.mutability, exclusionFilters: [] })
  const created = await create(ecr, request, options)
  if (!created) {
    // Another job created it between our look-up and our create: use theirs as it is.
    const raced = await describe(ecr, request, options)
    if (!raced) throw new Error(`ECR said repository '${request.name}' already exists, then that it does not`)
    return checked(request, infoOf(raced, false))
  }
  if (request.settings.keepImages > 0) {
    await awsCall(
      () =>
        ecr.send(
          new PutLifecyclePolicyCommand({
            repositoryName: request.name,
            registryId: request.registryId,
            lifecyclePolicyText: lifecyclePolicy(request.settings.keepImages),
          }),
        ),
      options,
    ).catch((error: unknown) => {
      throw explain(error, 'ecr:PutLifecyclePolicy', request.name)
    })
  }
  core.info(`Created ECR repository ${request.name} (${describeSettings(request.settings)}).`)
  return infoOf(created, true)
}

async function describe(ecr: EcrApi, request: EnsureRepositoryRequest, options: AwsCallOptions): Promise<Repository | undefined> {
  try {
    const response = await awsCall(
      () => ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [request.name], registryId: request.registryId })),
      options,
    )
    return response.repositories?.[0]
  } catch (error) {
    if (awsErrorCode(error) === 'RepositoryNotFoundException') return undefined
    throw explain(error, 'ecr:DescribeRepositories', request.name)
  }
}

async function create(ecr: EcrApi, request: EnsureRepositoryRequest, options: AwsCallOptions): Promise<Repository | undefined> {
  const { settings } = request
  try {
    const response = await awsCall(
      () =>
        ecr.send(
          new CreateRepositoryCommand({
            repositoryName: request.name,
            registryId: request.registryId,
            imageTagMutability: settings.mutability,
            imageScanningConfiguration: { scanOnPush: settings.scanOnPush },
            encryptionConfiguration: settings.kmsKey ? { encryptionType: 'KMS', kmsKey: settings.kmsKey } : { encryptionType: 'AES256' },
            tags: [...settings.tags].map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      options,
    )
    if (!response.repository) throw new Error('ECR CreateRepository returned no repository')
    return response.repository
  } catch (error) {
    if (awsErrorCode(error) === 'RepositoryAlreadyExistsException') return undefined
    throw explain(error, 'ecr:CreateRepository', request.name)
  }
}

function checked(request: EnsureRepositoryRequest, info: RepositoryInfo): RepositoryInfo {
  request.check?.(info)
  return info
}

function infoOf(repository: Repository, created: boolean): RepositoryInfo {
  return {
    name: repository.repositoryName ?? '',
    mutability: repository.imageTagMutability ?? 'MUTABLE',
    exclusionFilters: repository.imageTagMutabilityExclusionFilters ?? [],
    created,
  }
}

function explain(error: unknown, permission: string, name: string): unknown {
  const code = awsErrorCode(error) ?? 'Error'
  if (isAccessDenied(error)) {
    return new UserError(
      `The AWS credentials may not use ${permission} on repository '${name}' (${code}).`,
      `Allow ${permission} for the role.`,
    )
  }
  if (/InvalidParameter|KmsException|InvalidTagParameter|TooManyTags|LimitExceeded|LifecyclePolicyNotFound/.test(code)) {
    return new UserError(`ECR refused ${permission} for repository '${name}': ${code}: ${messageOf(error)}`)
  }
  return error
}

/** ECR lifecycle policy: expire the oldest images beyond the newest `keep`. */
export function lifecyclePolicy(keep: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Keep the last ${keep} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep },
        action: { type: 'expire' },
      },
    ],
  })
}

export function describeSettings(settings: RepositorySettings): string {
  return [
    settings.mutability === 'IMMUTABLE' ? 'immutable tags' : 'mutable tags',
    settings.scanOnPush ? 'scan on push' : 'no scan on push',
    settings.kmsKey ? `KMS key ${settings.kmsKey}` : 'AES256',
    settings.keepImages > 0 ? `keeps the last ${settings.keepImages} images` : 'no lifecycle policy',
  ].join(', ')
}

/** Whether ECR refuses to move this tag, exclusion filters (wildcards) included. */
export function isTagImmutable(repository: Pick<RepositoryInfo, 'mutability' | 'exclusionFilters'>, tag: string): boolean {
  const excluded = repository.exclusionFilters.some((filter) => wildcard(filter.filter ?? '').test(tag))
  switch (repository.mutability) {
    case 'IMMUTABLE':
      return true
    case 'IMMUTABLE_WITH_EXCLUSION':
      return !excluded
    case 'MUTABLE_WITH_EXCLUSION':
      return excluded
    default:
      return false
  }
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')
  return new RegExp(`^${escaped}$`)
}

import { markdownTable } from '../../../lib/summary'

export interface ImageReport {
  image: string
  imageRef: string
  digest: string
  sizeBytes?: number
  tags: readonly string[]
  /** How the image came to be: built by which builder, or skipped. */
  outcome:
    | { kind: 'built'; builder: string }
    | { kind: 'skipped'; retagged: readonly string[] }
    /** push: false, a pull request's check: built, nothing pushed. */
    | { kind: 'built-only'; builder: string }
  repository: { name: string; created: boolean; mutability: string; settings?: string }
  /** The also-push-to repositories the image was copied to, by digest. */
  mirrored?: readonly { imageRef: string }[]
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`
}

export function imageSummary(report: ImageReport): string {
  const outcome =
    report.outcome.kind === 'built'
      ? `built with ${report.outcome.builder} and pushed`
      : report.outcome.kind === 'built-only'
        ? `built with ${report.outcome.builder}; not pushed (push: false)`
        : `skipped: the commit's tag was already in the registry${report.outcome.retagged.length > 0 ? `; tagged ${report.outcome.retagged.join(', ')}` : ''}`
  const repository =
    report.outcome.kind === 'built-only'
      ? `${report.repository.name} (not checked: push is false)`
      : report.repository.created
        ? `${report.repository.name} (created: ${report.repository.settings ?? report.repository.mutability})`
        : `${report.repository.name} (existing, ${report.repository.mutability.toLowerCase().replace(/_/g, ' ')} tags)`
  const code = (text: string) => (text ? `\`${text}\`` : 'none')
  const rows: [string, string][] = [
    ['image', code(report.image)],
    ['digest', code(report.digest)],
    ['image-ref', code(report.imageRef)],
    ['size (compressed)', report.sizeBytes === undefined ? 'unknown' : formatBytes(report.sizeBytes)],
    ['result', outcome],
    ['tags', report.tags.map((tag) => `\`${tag}\``).join(', ')],
    ['repository', repository],
    ...(report.mirrored?.length
      ? [['also pushed to', report.mirrored.map((entry) => code(entry.imageRef)).join(', ')] as [string, string]]
      : []),
  ]
  return `### ecr-build-push\n\n${markdownTable(['', 'value'], rows)}\n`
}

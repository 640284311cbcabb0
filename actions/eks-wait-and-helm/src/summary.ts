import { markdownTable } from '../../../lib/summary'
import type { ClusterView, NodegroupView } from './eks/api'
import type { ReleaseResult } from './helm/deploy'

export interface RunReport {
  cluster: ClusterView
  nodegroups: NodegroupView[]
  apiChecked: boolean
  mode: 'deploy' | 'uninstall'
  releases: ReleaseResult[]
  helmVersion?: string
}

export function summaryMarkdown(report: RunReport): string {
  const parts = [
    `### EKS cluster \`${report.cluster.name}\``,
    markdownTable(
      ['status', 'version', 'endpoint', 'node groups', 'API check'],
      [
        [
          report.cluster.status,
          report.cluster.version ?? '',
          report.cluster.endpoint ?? '',
          report.nodegroups.map((group) => `${group.name} (${group.status})`).join(', ') || 'none waited for',
          report.apiChecked ? 'ready' : 'skipped',
        ],
      ],
    ),
  ]
  if (report.releases.length > 0) {
    parts.push(
      `### Helm releases (${report.mode}${report.helmVersion ? `, helm ${report.helmVersion}` : ''})`,
      markdownTable(
        ['release', 'namespace', 'revision', 'status', 'chart'],
        report.releases.map((release) => [release.name, release.namespace, release.revision, release.status, release.chart ?? '']),
      ),
    )
  }
  return `${parts.join('\n\n')}\n`
}

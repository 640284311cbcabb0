import { details, markdownTable } from '../../../../lib/summary'
import { describe, type Finding, isFailure } from '../findings'
import type { Inputs } from '../inputs'
import type { Validation } from '../validate'

// The job summary is capped at 1 MiB; past this many rows the reader goes to results-json.
const MAX_ROWS = 200

export function summaryMarkdown(validation: Validation, inputs: Inputs): string {
  const { counts, findings, discovery, rendered, schemas } = validation
  const failures = findings.filter(isFailure)
  const total = counts.valid + counts.invalid + counts.errors + counts.skipped
  const verdict =
    failures.length === 0
      ? `✅ ${total} resource${total === 1 ? '' : 's'} checked, none invalid`
      : `❌ ${counts.invalid} invalid, ${counts.errors} error${counts.errors === 1 ? '' : 's'}`
  const sections = [
    `## Kubernetes manifests: ${verdict}`,
    `Kubernetes ${inputs.kubernetesVersion}${inputs.strict ? ', strict' : ''}, kubeconform ${inputs.kubeconformVersion}; ` +
      `${validation.fileCount} file${validation.fileCount === 1 ? '' : 's'} validated` +
      (rendered.length > 0 ? ` (${rendered.length} rendered from charts or kustomizations)` : '') +
      (discovery.excluded.length > 0 ? `, ${discovery.excluded.length} excluded` : '') +
      '.',
    markdownTable(
      ['status', 'resources'],
      [
        ['valid', counts.valid],
        ['invalid', counts.invalid],
        ['errors', counts.errors],
        ['skipped', counts.skipped],
      ],
    ),
  ]
  if (failures.length > 0) {
    const rows = failures
      .slice(0, MAX_ROWS)
      .map((finding) => [
        location(finding),
        finding.kind ? `${finding.apiVersion} ${finding.kind} ${finding.name}` : '',
        finding.status,
        problem(finding),
      ])
    sections.push('### Failures', markdownTable(['file', 'resource', 'status', 'problem'], rows))
    if (failures.length > MAX_ROWS)
      sections.push(`…and ${failures.length - MAX_ROWS} more; every failure is in the \`results-json\` output.`)
  }
  const missing = [...schemas.entries()].sort(([a], [b]) => a.localeCompare(b)).filter(([, outcome]) => outcome.status !== 'found')
  if (missing.length > 0) {
    const rows = missing.map(([kind, outcome]) => [
      kind,
      outcome.status,
      outcome.status === 'missing' ? outcome.tried.join('<br>') || 'no schema location' : outcome.status === 'failed' ? outcome.reason : '',
    ])
    sections.push(
      '### Kinds without a schema',
      `${inputs.ignoreMissingSchemas ? 'Resources of a missing kind were skipped (ignore-missing-schemas).' : 'Resources of these kinds are errors.'}`,
      markdownTable(['apiVersion/kind', 'schema', 'where it was looked for'], rows),
    )
  }
  if (discovery.excluded.length > 0) {
    sections.push(
      '### Files not validated',
      'These files are under the folders or patterns of `paths` but were left out, for the reason given:',
      markdownTable(
        ['file', 'reason'],
        discovery.excluded.slice(0, MAX_ROWS).map((file) => [file.path, file.reason]),
      ),
    )
    if (discovery.excluded.length > MAX_ROWS) sections.push(`…and ${discovery.excluded.length - MAX_ROWS} more.`)
  }
  const found = [...schemas.entries()].sort(([a], [b]) => a.localeCompare(b)).filter(([, outcome]) => outcome.status === 'found')
  if (found.length > 0) {
    sections.push(
      details(
        `Schemas (${found.length} kinds)`,
        markdownTable(
          ['apiVersion/kind', 'source', 'from'],
          found.map(([kind, outcome]) => (outcome.status === 'found' ? [kind, outcome.source, outcome.from] : [kind, '', ''])),
        ),
      ),
    )
  }
  const validated = [
    ...discovery.files,
    ...rendered.filter((item) => item.output).map((item) => `${item.dir} (${item.origin} ${item.input})`),
  ]
  if (validated.length > 0) {
    const shown = validated.slice(0, MAX_ROWS * 5)
    const more = validated.length > shown.length ? `\n\n…and ${validated.length - shown.length} more.` : ''
    sections.push(details(`Files validated (${validated.length})`, shown.map((file) => `- \`${file}\``).join('\n') + more))
  }
  return `${sections.join('\n\n')}\n`
}

function location(finding: Finding): string {
  const at = finding.line ? `${finding.file}:${finding.line}` : finding.file
  if (!finding.rendered) return at
  const renderedLine = finding.rendered.line ? `, rendered line ${finding.rendered.line}` : ''
  return `${at} (${finding.rendered.origin} ${finding.rendered.dir}${renderedLine})`
}

function problem(finding: Finding): string {
  const text = describe(finding)
  return text.length > 500 ? `${text.slice(0, 500)}…` : text
}

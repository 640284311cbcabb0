import { describe, type Finding, isFailure } from '../findings'

/**
 * SARIF 2.1.0 for code scanning: one result per invalid resource or error,
 * located at the file and line of the resource. Paths are relative to the
 * repository root (%SRCROOT%), as GitHub's upload expects.
 */

/** A SARIF rule of kubeconform's, reported at the error level. */
const rule = (id: string, name: string, short: string, full: string) => ({
  id,
  name,
  shortDescription: { text: short },
  fullDescription: { text: full },
  helpUri: 'https://github.com/yannh/kubeconform',
  defaultConfiguration: { level: 'error' },
})

const RULES = [
  rule(
    'kubeconform/invalid',
    'InvalidResource',
    'A Kubernetes resource does not match the schema of its kind.',
    'kubeconform validated the resource against the JSON schema of its apiVersion and kind and found violations.',
  ),
  rule(
    'kubeconform/error',
    'UncheckedResource',
    'A Kubernetes resource could not be validated.',
    'The document is not valid YAML, has no kind or apiVersion, has no schema, is a rejected kind, or its chart or kustomization failed to render.',
  ),
]

export function sarifReport(
  findings: readonly Finding[],
  options: { kubeconformVersion: string; failing: (finding: Finding) => boolean },
): string {
  const results = findings.filter(isFailure).map((finding) => {
    const ruleIndex = finding.status === 'invalid' ? 0 : 1
    return {
      ruleId: RULES[ruleIndex]?.id,
      ruleIndex,
      level: options.failing(finding) ? 'error' : 'warning',
      message: { text: describe(finding) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uriOf(finding.file), uriBaseId: '%SRCROOT%' },
            ...(finding.line ? { region: { startLine: finding.line } } : {}),
          },
        },
      ],
      properties: {
        kind: finding.kind,
        apiVersion: finding.apiVersion,
        name: finding.name,
        ...(finding.rendered ? { renderedFrom: finding.rendered } : {}),
      },
    }
  })
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kubeconform',
            semanticVersion: options.kubeconformVersion.replace(/^v/, ''),
            informationUri: 'https://github.com/yannh/kubeconform',
            rules: RULES,
          },
        },
        results,
      },
    ],
  }
  return `${JSON.stringify(sarif, null, 2)}\n`
}

function uriOf(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}

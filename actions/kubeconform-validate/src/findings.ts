import type { Counts, KubeconformResult } from './kubeconform'

/** One resource's outcome, placed on the file and line a reader should look at. */
export interface Finding {
  status: 'valid' | 'invalid' | 'error' | 'skipped'
  /** Workspace-relative file to annotate: the manifest, or for a rendered resource its template or kustomization. */
  file: string
  line?: number
  kind: string
  apiVersion: string
  name: string
  /** kubeconform's message, verbatim (or the action's own for render and schema failures). */
  msg: string
  validationErrors: { path: string; msg: string }[]
  /** Set for resources rendered from a chart or kustomization. */
  rendered?: { origin: 'chart' | 'kustomize'; dir: string; line?: number }
}

export const STATUS_OF: Record<KubeconformResult['status'], Finding['status'] | undefined> = {
  '': undefined,
  statusValid: 'valid',
  statusInvalid: 'invalid',
  statusError: 'error',
  statusSkipped: 'skipped',
}

const KUBECONFORM_STATUS: Record<Finding['status'], KubeconformResult['status']> = {
  valid: 'statusValid',
  invalid: 'statusInvalid',
  error: 'statusError',
  skipped: 'statusSkipped',
}

export function isFailure(finding: Finding): boolean {
  return finding.status === 'invalid' || finding.status === 'error'
}

/** What a reader needs in one line: the resource and each schema violation with its path. */
export function describe(finding: Finding): string {
  const subject = finding.kind ? `${finding.kind} ${finding.name || '(unnamed)'}` : ''
  if (finding.status === 'invalid') {
    const problems = violations(finding)
    return `${subject} is invalid: ${problems.length > 0 ? problems.join('; ') : finding.msg}`
  }
  const yaml = /^error unmarshalling resource: (?:error converting YAML to JSON: )?(.*)$/s.exec(finding.msg)
  if (yaml) return `${subject ? `${subject}: ` : ''}YAML error: ${(yaml[1] as string).replace(/\s*\n\s*/g, ' ')}`
  if (finding.msg.startsWith('could not find schema for')) {
    return (
      `${subject}: no schema for ${finding.apiVersion} ${finding.kind} in the schema folders or locations ` +
      '(an apiVersion this Kubernetes version no longer serves, or a custom resource whose schema is not provided)'
    )
  }
  return subject ? `${subject}: ${finding.msg}` : finding.msg
}

/**
 * The leaf violations in kubeconform's message (`- at '/spec/replicas': got
 * string, want integer`). Its validationErrors stop at the first level of
 * the schema (often just `/spec: validation failed`), so the message is the
 * better source; the validationErrors are used when the message has none.
 */
export function violations(finding: Finding): string[] {
  const fromMessage = [...finding.msg.matchAll(/- at '([^']*)': (.*?)(?=\s+- at '|$)/gs)]
    .map(([, path, msg]) => ({ path: path as string, msg: (msg as string).trim() }))
    .filter((violation) => violation.msg !== 'validation failed')
  const list = fromMessage.length > 0 ? fromMessage : finding.validationErrors
  // kubeconform lists the causes in whatever order its validator met them, which varies between runs.
  return list.map((violation) => `${violation.path || '/'}: ${violation.msg}`).sort()
}

export function title(finding: Finding): string {
  if (finding.status === 'error' && finding.msg.startsWith('error unmarshalling resource')) return 'kubeconform: YAML error'
  if (finding.rendered && !finding.kind) return `kubeconform: ${finding.rendered.origin === 'chart' ? 'helm template' : 'kustomize'} failed`
  return finding.kind ? `kubeconform: ${finding.apiVersion ? `${finding.apiVersion} ` : ''}${finding.kind}` : 'kubeconform'
}

/** The `results-json` output: kubeconform's own JSON shape (failures only, as it prints without -verbose), plus lines. */
export function resultsJson(findings: readonly Finding[], counts: Counts): string {
  const resources = findings.filter(isFailure).map((finding) => ({
    filename: finding.file,
    line: finding.line,
    kind: finding.kind,
    name: finding.name,
    version: finding.apiVersion,
    status: KUBECONFORM_STATUS[finding.status],
    msg: finding.msg,
    ...(finding.validationErrors.length > 0 ? { validationErrors: finding.validationErrors } : {}),
    ...(finding.rendered ? { renderedFrom: finding.rendered } : {}),
  }))
  return JSON.stringify({ resources, summary: counts })
}

import { describe, type Finding, violations } from '../findings'

/**
 * JUnit XML, one test suite per file and one test case per resource, the
 * shape test-report tools read: invalid resources are failures, resources
 * that could not be checked are errors.
 */
export function junitReport(findings: readonly Finding[]): string {
  const suites = new Map<string, Finding[]>()
  for (const finding of findings) {
    const list = suites.get(finding.file)
    if (list) list.push(finding)
    else suites.set(finding.file, [finding])
  }
  const total = counts(findings)
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kubeconform-validate" tests="${findings.length}" failures="${total.failures}" errors="${total.errors}" skipped="${total.skipped}">`,
  ]
  let id = 0
  for (const [file, cases] of [...suites.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const suite = counts(cases)
    lines.push(
      `  <testsuite name="${xml(file)}" id="${id++}" tests="${cases.length}" failures="${suite.failures}" errors="${suite.errors}" skipped="${suite.skipped}">`,
    )
    for (const finding of cases) lines.push(...testCase(finding))
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>', '')
  return lines.join('\n')
}

function testCase(finding: Finding): string[] {
  const name = finding.kind
    ? `${finding.kind} ${finding.name || '(unnamed)'} (${finding.apiVersion})`
    : `document at line ${finding.line ?? '?'}`
  const open = `    <testcase classname="${xml(finding.file)}" name="${xml(name)}"${finding.line ? ` line="${finding.line}"` : ''}`
  const detail = violations(finding).join('\n') || finding.msg
  switch (finding.status) {
    case 'valid':
      return [`${open}/>`]
    case 'skipped':
      return [`${open}>`, `      <skipped message="${xml(finding.msg || 'skipped')}"/>`, '    </testcase>']
    case 'invalid':
      return [`${open}>`, `      <failure type="invalid" message="${xml(describe(finding))}">${xml(detail)}</failure>`, '    </testcase>']
    case 'error':
      return [`${open}>`, `      <error type="error" message="${xml(describe(finding))}">${xml(detail)}</error>`, '    </testcase>']
  }
}

function counts(findings: readonly Finding[]) {
  return {
    failures: findings.filter((f) => f.status === 'invalid').length,
    errors: findings.filter((f) => f.status === 'error').length,
    skipped: findings.filter((f) => f.status === 'skipped').length,
  }
}

/** Escapes for both attributes and text, dropping characters XML 1.0 cannot hold. */
export function xml(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML 1.0 forbids
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      .replace(/\n/g, '&#10;')
  )
}

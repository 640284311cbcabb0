import { describe, expect, it } from 'vitest'
import {
  describe as describeFinding,
  type Finding,
  resultsJson,
  title,
  violations,
} from '../../../actions/kubeconform-validate/src/findings'
import { junitReport, xml } from '../../../actions/kubeconform-validate/src/report/junit'
import { sarifReport } from '../../../actions/kubeconform-validate/src/report/sarif'

const finding = (overrides: Partial<Finding>): Finding => ({
  status: 'valid',
  file: 'k8s/app.yaml',
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  name: 'web',
  msg: '',
  validationErrors: [],
  ...overrides,
})

const invalidMsg =
  "problem validating schema. Check JSON formatting: jsonschema validation failed with 'file:///tmp/x/apps/deployment_v1.json#' - at '/spec': validation failed   - at '/spec/replicas': got string, want null or integer   - at '/spec/template/spec/containers/0': additional properties 'bogus' not allowed"
const invalid = finding({ status: 'invalid', line: 7, msg: invalidMsg, validationErrors: [{ path: '/spec', msg: 'validation failed' }] })
const yamlError = finding({
  status: 'error',
  kind: '',
  apiVersion: '',
  name: '',
  line: 12,
  msg: 'error unmarshalling resource: error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context',
})
const missing = finding({
  status: 'error',
  file: 'k8s/<odd> name.yaml',
  kind: 'Gadget',
  apiVersion: 'example.org/v1',
  name: 'g',
  line: 1,
  msg: 'could not find schema for Gadget',
})
const renderFailure = finding({
  status: 'error',
  kind: '',
  apiVersion: '',
  name: '',
  file: 'helm/app/templates/cm.yaml',
  line: 6,
  msg: "helm template failed for 'helm/app': execution error at (app/templates/cm.yaml:6:16): logLevel is required",
  rendered: { origin: 'chart', dir: 'helm/app' },
})
const skipped = finding({ status: 'skipped', name: 'skipped-one' })

describe('what a finding says', () => {
  it.each([
    [
      'every leaf violation, from the message',
      invalid,
      "Deployment web is invalid: /spec/replicas: got string, want null or integer; /spec/template/spec/containers/0: additional properties 'bogus' not allowed",
    ],
    [
      'the validation errors when the message has no paths',
      finding({ status: 'invalid', msg: 'odd', validationErrors: [{ path: '', msg: 'bad' }] }),
      'Deployment web is invalid: /: bad',
    ],
    ['the message when there is nothing else', finding({ status: 'invalid', msg: 'odd' }), 'Deployment web is invalid: odd'],
    ["a YAML error without kubeconform's prefixes", yamlError, 'YAML error: yaml: line 5: mapping values are not allowed in this context'],
    [
      'a missing schema with what it usually means',
      missing,
      'Gadget g: no schema for example.org/v1 Gadget in the schema folders or locations (an apiVersion this Kubernetes version no longer serves, or a custom resource whose schema is not provided)',
    ],
    ['a render failure as it is', renderFailure, renderFailure.msg],
    [
      'another error with its resource',
      finding({ status: 'error', msg: 'prohibited resource kind Deployment' }),
      'Deployment web: prohibited resource kind Deployment',
    ],
    ['an unnamed resource', finding({ status: 'error', name: '', msg: 'x' }), 'Deployment (unnamed): x'],
  ])('%s', (_name, item, expected) => {
    expect(describeFinding(item)).toBe(expected)
  })

  it.each([
    [invalid, 'kubeconform: apps/v1 Deployment'],
    [yamlError, 'kubeconform: YAML error'],
    [renderFailure, 'kubeconform: helm template failed'],
    [{ ...renderFailure, rendered: { origin: 'kustomize' as const, dir: 'k' } }, 'kubeconform: kustomize failed'],
    [finding({ kind: '', apiVersion: '', status: 'error', msg: 'x' }), 'kubeconform'],
    [finding({ apiVersion: '', status: 'error', msg: 'missing apiVersion' }), 'kubeconform: Deployment'],
  ])('titles %#', (item, expected) => {
    expect(title(item)).toBe(expected)
  })

  it('keeps only leaf violations', () => {
    expect(violations(invalid)).toHaveLength(2)
  })
})

describe('results-json', () => {
  it("lists failures in kubeconform's own shape, with their lines", () => {
    const json = JSON.parse(
      resultsJson([invalid, finding({}), yamlError, skipped, renderFailure], { valid: 1, invalid: 1, errors: 2, skipped: 1 }),
    )
    expect(json.summary).toEqual({ valid: 1, invalid: 1, errors: 2, skipped: 1 })
    expect(json.resources).toEqual([
      {
        filename: 'k8s/app.yaml',
        line: 7,
        kind: 'Deployment',
        name: 'web',
        version: 'apps/v1',
        status: 'statusInvalid',
        msg: invalidMsg,
        validationErrors: [{ path: '/spec', msg: 'validation failed' }],
      },
      { filename: 'k8s/app.yaml', line: 12, kind: '', name: '', version: '', status: 'statusError', msg: yamlError.msg },
      {
        filename: 'helm/app/templates/cm.yaml',
        line: 6,
        kind: '',
        name: '',
        version: '',
        status: 'statusError',
        msg: renderFailure.msg,
        renderedFrom: { origin: 'chart', dir: 'helm/app' },
      },
    ])
  })
})

describe('junitReport', () => {
  const report = junitReport([finding({}), invalid, yamlError, skipped, missing])

  it('has one suite per file and one case per resource, with the counts', () => {
    expect(report).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="kubeconform-validate" tests="5" failures="1" errors="2" skipped="1">/,
    )
    expect(report).toContain('<testsuite name="k8s/app.yaml" id="1" tests="4" failures="1" errors="1" skipped="1">')
    expect(report).toContain('<testsuite name="k8s/&lt;odd&gt; name.yaml" id="0" tests="1" failures="0" errors="1" skipped="0">')
    expect(report).toContain('<testcase classname="k8s/app.yaml" name="Deployment web (apps/v1)"/>')
    expect(report).toContain(
      '<failure type="invalid" message="Deployment web is invalid: /spec/replicas: got string, want null or integer; /spec/template/spec/containers/0: additional properties &apos;bogus&apos; not allowed">/spec/replicas: got string, want null or integer&#10;/spec/template/spec/containers/0: additional properties &apos;bogus&apos; not allowed</failure>',
    )
    expect(report).toContain('<testcase classname="k8s/app.yaml" name="document at line 12" line="12">')
    expect(report).toContain('<skipped message="skipped"/>')
    expect(report.match(/<testcase /g)).toHaveLength(5)
    expect(report.trimEnd().endsWith('</testsuites>')).toBe(true)
  })

  it('escapes what XML cannot hold', () => {
    expect(xml('a<b>&"c\'\n\u0001')).toBe('a&lt;b&gt;&amp;&quot;c&apos;&#10;')
  })
})

describe('sarifReport', () => {
  it('is SARIF 2.1.0 with a result per failure at its file and line', () => {
    const sarif = JSON.parse(
      sarifReport([finding({}), invalid, missing, renderFailure, skipped], {
        kubeconformVersion: 'v0.7.0',
        failing: (f) => f.status === 'invalid',
      }),
    )
    expect(sarif.version).toBe('2.1.0')
    const run = sarif.runs[0]
    expect(run.tool.driver).toMatchObject({ name: 'kubeconform', semanticVersion: '0.7.0' })
    expect(run.tool.driver.rules.map((rule: { id: string }) => rule.id)).toEqual(['kubeconform/invalid', 'kubeconform/error'])
    expect(run.results).toHaveLength(3)
    expect(run.results[0]).toMatchObject({
      ruleId: 'kubeconform/invalid',
      ruleIndex: 0,
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'k8s/app.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 7 } } }],
    })
    expect(run.results[1]).toMatchObject({ ruleId: 'kubeconform/error', level: 'warning' })
    expect(run.results[1].locations[0].physicalLocation.artifactLocation.uri).toBe('k8s/%3Codd%3E%20name.yaml')
    expect(run.results[2].properties.renderedFrom).toEqual({ origin: 'chart', dir: 'helm/app' })
  })

  it('leaves the region out when there is no line', () => {
    const sarif = JSON.parse(sarifReport([{ ...invalid, line: undefined }], { kubeconformVersion: 'v0.7.0', failing: () => true }))
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.region).toBeUndefined()
  })
})

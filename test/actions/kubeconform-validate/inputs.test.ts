import { describe, expect, it } from 'vitest'
import { parseInputs } from '../../../actions/kubeconform-validate/src/inputs'
import { CRDS_CATALOG_LOCATION, STANDARD_LOCATION } from '../../../actions/kubeconform-validate/src/schema/template'
import { UserError } from '../../../lib/errors'
import { rawInputs } from './helpers'

describe('parseInputs', () => {
  it('has defaults for everything but what to validate', () => {
    expect(parseInputs(rawInputs({ paths: 'k8s' }))).toEqual({
      paths: ['k8s'],
      charts: [],
      kustomize: [],
      kubernetesVersion: '1.33.0',
      strict: true,
      ignoreMissingSchemas: false,
      crdSchemas: true,
      skip: [],
      reject: [],
      schemaLocations: [STANDARD_LOCATION, CRDS_CATALOG_LOCATION],
      schemaDirs: [],
      kubeconformVersion: 'v0.7.0',
      helmVersion: 'v3.19.0',
      cache: true,
      failOn: 'invalid',
      report: { junit: [], sarif: [] },
    })
  })

  it('reads every input', () => {
    const inputs = parseInputs(
      rawInputs({
        paths: 'k8s\n# a comment\n!k8s/old/**',
        charts: 'helm/app\nhelm/other -f helm/other/values.yaml --values helm/other/prod.yaml --values=x.yaml',
        kustomize: 'overlays/prod',
        'kubernetes-version': 'v1.31.4',
        strict: 'false',
        'ignore-missing-schemas': 'true',
        skip: 'Secret, apps/v1/Deployment\nConfigMap',
        reject: 'Pod',
        'schema-locations': 'default\nhttps://mirror.example/schemas/',
        'schema-dir': 'schemas\ncrds',
        'kubeconform-version': '0.6.7',
        'helm-version': 'v3.18.1',
        cache: 'false',
        'crd-schemas': 'false',
        'fail-on': 'ERROR',
        report: 'out/kubeconform.xml\nout/kubeconform.sarif\nout/k.sarif.json',
      }),
    )
    expect(inputs).toMatchObject({
      paths: ['k8s', '!k8s/old/**'],
      charts: [
        { chart: 'helm/app', values: [], line: 'helm/app' },
        { chart: 'helm/other', values: ['helm/other/values.yaml', 'helm/other/prod.yaml', 'x.yaml'] },
      ],
      kustomize: ['overlays/prod'],
      kubernetesVersion: '1.31.4',
      strict: false,
      ignoreMissingSchemas: true,
      crdSchemas: false,
      skip: ['Secret', 'apps/v1/Deployment', 'ConfigMap'],
      reject: ['Pod'],
      schemaLocations: [
        STANDARD_LOCATION,
        'https://mirror.example/schemas/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json',
      ],
      schemaDirs: ['schemas', 'crds'],
      kubeconformVersion: 'v0.6.7',
      helmVersion: 'v3.18.1',
      cache: false,
      failOn: 'error',
      report: { junit: ['out/kubeconform.xml'], sarif: ['out/kubeconform.sarif', 'out/k.sarif.json'] },
    })
  })

  it.each([
    ['nothing to validate', {}, "Nothing to validate: set 'paths', 'charts' or 'kustomize'."],
    ['only exclusions', { paths: '!a/**' }, "Nothing to validate: set 'paths', 'charts' or 'kustomize'."],
    [
      'a short Kubernetes version',
      { paths: 'k', 'kubernetes-version': '1.33' },
      "Input 'kubernetes-version' must be a full version such as 1.33.0; got '1.33'.",
    ],
    [
      'master as Kubernetes version',
      { paths: 'k', 'kubernetes-version': 'master' },
      "Input 'kubernetes-version' must be a full version such as 1.33.0; got 'master'.",
    ],
    [
      'a kubeconform version range',
      { paths: 'k', 'kubeconform-version': 'latest' },
      "Input 'kubeconform-version' must be a release version such as v0.7.0; got 'latest'.",
    ],
    ['a strict flag that is not boolean', { paths: 'k', strict: 'yes' }, "Input 'strict' must be true or false; got 'yes'."],
    ['an unknown fail-on', { paths: 'k', 'fail-on': 'warning' }, "Input 'fail-on' must be one of invalid, error, never; got 'warning'."],
    [
      'a report of unknown format',
      { paths: 'k', report: 'out/report.html' },
      "Input 'report' takes file paths ending in .xml (JUnit) or .sarif (SARIF); got 'out/report.html'.",
    ],
    [
      'a chart line with a stray word',
      { charts: 'helm/app values.yaml' },
      "Input 'charts' lines must be '<chart folder> [-f <values file>]...'; got 'helm/app values.yaml'.",
    ],
    [
      'a chart line with a dangling -f',
      { charts: 'helm/app -f' },
      "Input 'charts' lines must be '<chart folder> [-f <values file>]...'; got 'helm/app -f'.",
    ],
    [
      'a skip entry with spaces',
      { paths: 'k', skip: 'Custom Resource' },
      "Input 'skip' must list kinds (Deployment) or apiVersion/kind (apps/v1/Deployment); got 'Custom Resource'.",
    ],
    [
      'a bad schema template',
      { paths: 'k', 'schema-locations': 'https://x/{{ .Nope }}.json' },
      "Input 'schema-locations' has an unknown template field '{{ .Nope }}' in 'https://x/{{ .Nope }}.json'.",
    ],
  ])('refuses %s with one line naming the input', (_name, overrides, message) => {
    let error: unknown
    try {
      parseInputs(rawInputs(overrides))
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).message).toBe(message)
  })
})

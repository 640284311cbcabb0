import { describe, expect, it } from 'vitest'
import type { HttpsGet } from '../../../actions/eks-wait-and-helm/src/access/https-get'
import {
  deletableResources,
  discoverKinds,
  kindKey,
  kindsDefinedBy,
  requireKnownKinds,
} from '../../../actions/eks-wait-and-helm/src/manifests/kinds'
import { installOrder, parseObjects, withOwner } from '../../../actions/eks-wait-and-helm/src/manifests/objects'
import { isUserError } from '../../../lib/errors'

/** An API server that answers discovery from a table of paths, as one without aggregated discovery does. */
function reader(paths: Record<string, unknown>) {
  const asked: string[] = []
  const get: HttpsGet = async (url, options) => {
    const path = new URL(url).pathname
    asked.push(`${path} ${options.headers.accept?.startsWith('application/json;g=') ? 'aggregated' : 'plain'}`)
    return path in paths ? { status: 200, body: JSON.stringify(paths[path]) } : { status: 404, body: '{}' }
  }
  return { asked, reader: { endpoint: 'https://api.example/', caPem: 'ca', token: async () => 't', get } }
}

describe('discovering the kinds the cluster serves', () => {
  it('reads the older discovery, one group version at a time, when the server has no aggregated discovery', async () => {
    const { asked, reader: api } = reader({
      '/api': { kind: 'APIVersions', versions: ['v1'] },
      '/apis': { kind: 'APIGroupList', groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1' }] }] },
      '/api/v1': {
        resources: [
          { name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['list', 'delete', 'get'] },
          { name: 'pods/log', kind: 'Pod', namespaced: true, verbs: ['get'] },
          { name: 'events', kind: 'Event', namespaced: true, verbs: ['list', 'delete'] },
        ],
      },
      '/apis/apps/v1': { resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['list', 'delete'] }] },
    })
    const served = await discoverKinds(api)
    expect([...served.keys()].sort()).toEqual(['apps/v1 Deployment', 'v1 ConfigMap', 'v1 Event'])
    expect(served.get('apps/v1 Deployment')).toEqual({ resource: 'deployments.apps', namespaced: true, verbs: ['list', 'delete'] })
    // Events are never searched for an entry's objects; subresources are not kinds.
    expect(deletableResources(served)).toEqual(['configmaps', 'deployments.apps'])
    expect(asked).toEqual(['/api aggregated', '/api/v1 plain', '/apis aggregated', '/apis/apps/v1 plain'])
  })

  it('says which discovery document failed', async () => {
    const { reader: api } = reader({})
    const error = await discoverKinds(api).catch((caught: unknown) => caught)
    expect(isUserError(error)).toBe(true)
    expect((error as Error).message).toBe(
      "Reading the cluster's API discovery (/api) failed with HTTP 404; the kinds of the manifests cannot be checked.",
    )
  })
})

describe('manifest objects', () => {
  it('opens Lists, skips empty documents, and refuses what is not an object, naming the file and document', () => {
    const objects = parseObjects(
      '---\n# only a comment\n---\nkind: List\napiVersion: v1\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n',
      'k8s/a.yaml',
      "manifests 'm'",
    )
    expect(objects.map(({ object }) => object.metadata.name)).toEqual(['a'])
    expect(() => parseObjects('apiVersion: v1\nkind: ConfigMap\n', 'k8s/b.yaml', "manifests 'm'")).toThrow(
      "manifests 'm': k8s/b.yaml (document 1) is not a Kubernetes object (apiVersion, kind and metadata.name are needed).",
    )
    expect(() => parseObjects('a: [', 'k8s/c.yaml', "manifests 'm'")).toThrow(
      /^manifests 'm': k8s\/c\.yaml is not valid YAML \(document 1\)/,
    )
  })

  it('labels every object with its entry without changing the input, and puts namespaces and CRDs first', () => {
    const parsed = parseObjects(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {app: x}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n',
      'f.yaml',
      'e',
    )
    const labelled = withOwner(parsed, 'apps')
    expect(labelled[0]?.metadata.labels).toEqual({ app: 'x', 'pipeline-actions/deployment': 'apps' })
    expect(parsed[0]?.object.metadata.labels).toEqual({ app: 'x' })
    expect(installOrder(labelled).map((object) => object.kind)).toEqual(['Namespace', 'ConfigMap'])
  })

  it('knows the kinds a CRD in the list defines, and refuses any other unknown kind naming the object and file', () => {
    const crd = parseObjects(
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec: {group: example.com, names: {kind: Widget}, versions: [{name: v1}, {name: v2}]}\n',
      'crd.yaml',
      'e',
    )
    const defined = kindsDefinedBy(crd.map(({ object }) => object))
    expect([...defined]).toEqual([kindKey('example.com/v1', 'Widget'), kindKey('example.com/v2', 'Widget')])
    const widget = parseObjects('apiVersion: example.com/v2\nkind: Widget\nmetadata: {name: w}\n', 'w.yaml', 'e')
    expect(() => requireKnownKinds("Manifests 'w'", widget, new Map(), defined)).not.toThrow()
    expect(() => requireKnownKinds("Manifests 'w'", widget, new Map(), new Set())).toThrow(
      "Manifests 'w': Widget 'w' in w.yaml has apiVersion example.com/v2, a kind this cluster does not serve and no CustomResourceDefinition in the list defines; nothing was deployed.",
    )
  })
})

import { UserError } from '../../../../lib/errors'

/**
 * kubeconform's schema-location templates, rendered exactly as kubeconform
 * renders them (pkg/registry schemaPath), so a location that works with
 * bare kubeconform works here and the other way round.
 */

export const STANDARD_LOCATION =
  'https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json'

export const CRDS_CATALOG_LOCATION =
  'https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'

/** Where every resolved schema is written, one file per group, version and kind. */
export const RESOLVED_LAYOUT = '{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'

const FIELDS = ['NormalizedKubernetesVersion', 'StrictSuffix', 'ResourceKind', 'ResourceAPIVersion', 'Group', 'KindSuffix'] as const
type Field = (typeof FIELDS)[number]

/** kubeconform's own expansions: `default`, and a location without `.json` taken as a mirror of the standard layout. */
export function expandLocation(location: string): string {
  if (location === 'default') return STANDARD_LOCATION
  if (!location.endsWith('json')) {
    return `${location.replace(/\/+$/, '')}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`
  }
  return location
}

/** Fails on a template kubeconform would reject, naming the input. */
export function checkTemplate(input: string, template: string): void {
  for (const match of template.matchAll(/\{\{(.*?)\}\}/g)) {
    const field = /^\s*\.(\w+)\s*$/.exec(match[1] ?? '')?.[1]
    if (!field || !FIELDS.includes(field as Field)) {
      throw new UserError(
        `Input '${input}' has an unknown template field '${match[0]}' in '${template}'.`,
        `Use only ${FIELDS.map((f) => `{{ .${f} }}`).join(', ')}.`,
      )
    }
  }
  if (/\{\{(?![^}]*\}\})/.test(template)) throw new UserError(`Input '${input}' has an unclosed '{{' in '${template}'.`)
}

export interface TemplateData {
  kind: string
  apiVersion: string
  /** Full x.y.z, or 'master'. */
  kubernetesVersion: string
  strict: boolean
}

export function renderTemplate(template: string, data: TemplateData): string {
  const groupParts = data.apiVersion.split('/')
  const versionParts = (groupParts[0] ?? '').split('.')
  let kindSuffix = `-${(versionParts[0] ?? '').toLowerCase()}`
  if (groupParts.length > 1) kindSuffix += `-${(groupParts[1] ?? '').toLowerCase()}`
  const values: Record<Field, string> = {
    NormalizedKubernetesVersion: data.kubernetesVersion === 'master' ? 'master' : `v${data.kubernetesVersion}`,
    StrictSuffix: data.strict ? '-strict' : '',
    ResourceKind: data.kind.toLowerCase(),
    ResourceAPIVersion: groupParts[groupParts.length - 1] ?? '',
    Group: groupParts[0] ?? '',
    KindSuffix: kindSuffix,
  }
  return template.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, field: string) => values[field as Field] ?? '')
}

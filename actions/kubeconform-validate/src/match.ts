import type { Resource } from './documents'
import type { KubeconformResult } from './kubeconform'
import { offsetOf, violationsOf } from './pointer'

/**
 * Puts kubeconform's results on the resources they belong to. kubeconform
 * validates in parallel, so within a file its results come in any order;
 * they carry kind, apiVersion and name, which identify a resource unless a
 * file holds two with the same signature and different outcomes. Such a
 * file is "ambiguous" and is validated again in order (`-n 1 -verbose`),
 * where the n-th result is the n-th resource.
 */

export interface Located {
  result: KubeconformResult
  resource?: Resource
  /** The offending field, once found (see settleFields). */
  field?: Field
}

export interface FileMatch {
  located: Located[]
  ambiguous: boolean
}

const keyOfResource = (resource: Resource) => [resource.kind, resource.apiVersion, resource.name, resource.empty].join('\u0000')
const keyOfResult = (result: KubeconformResult) => [result.kind, result.version, result.name, result.status === ''].join('\u0000')
const isFailure = (result: KubeconformResult) => result.status === 'statusInvalid' || result.status === 'statusError'
const outcome = (result: KubeconformResult) => JSON.stringify([result.status, result.msg, result.validationErrors ?? []])

/** Results of one file from a parallel run, matched by signature. */
export function matchUnordered(resources: readonly Resource[], results: readonly KubeconformResult[]): FileMatch {
  const byKey = groupBy(resources, keyOfResource)
  const resultsByKey = groupBy(results, keyOfResult)
  const located: Located[] = []
  for (const [key, group] of resultsByKey) {
    // Only failures are put on a line; valid and skipped resources need no match.
    if (!group.some(isFailure)) {
      located.push(...group.map((result) => ({ result })))
      continue
    }
    const candidates = byKey.get(key) ?? []
    const sameOutcome = group.every((result) => outcome(result) === outcome(group[0] as KubeconformResult))
    // One result for one resource is certain; several are only when their outcomes are equal, so order cannot matter.
    const certain = candidates.length === group.length && (group.length === 1 || sameOutcome)
    if (!certain) return { located: [], ambiguous: true }
    for (const [index, result] of group.entries()) located.push({ result, resource: candidates[index] })
  }
  return { located, ambiguous: false }
}

/** Results of one file from an ordered run (-n 1 -verbose): one per resource, in document order. */
export function matchOrdered(resources: readonly Resource[], results: readonly KubeconformResult[]): Located[] {
  if (resources.length === results.length) return results.map((result, index) => ({ result, resource: resources[index] }))
  // The two parsers disagree on how many resources the file holds: match by signature, in order, as far as possible.
  const located: Located[] = []
  let next = 0
  for (const result of results) {
    const key = keyOfResult(result)
    let found = -1
    for (let i = next; i < resources.length; i++) {
      if (keyOfResource(resources[i] as Resource) === key) {
        found = i
        break
      }
    }
    if (found >= 0) {
      located.push({ result, resource: resources[found] })
      next = found + 1
    } else {
      located.push({ result })
    }
  }
  return located
}

/**
 * The file line a result points at: for a YAML error, the line kubeconform's
 * parser names (counted from the start of the document's chunk); for an
 * invalid resource, the line of the first field its message names; else
 * where the resource starts.
 */
export function lineOf(located: Located): number | undefined {
  const { result, resource } = located
  if (!resource) return undefined
  if (result.status === 'statusError' && result.msg.startsWith('error unmarshalling resource')) {
    const yamlLine = /\bline (\d+)\b/.exec(result.msg)
    if (yamlLine) return resource.chunkLine + Number(yamlLine[1]) - 1
    if (resource.syntaxError) return resource.syntaxError.line
  }
  return (located.field ?? fieldOf(located))?.line ?? resource.line
}

/**
 * Finds the field of each located failure and lets go of the parsed YAML: a
 * file's nodes are many times its size, and with thousands of failing files
 * keeping them until the report would make memory grow with the failures.
 */
export function settleFields(located: Located[], resources: readonly Resource[]): Located[] {
  const settled = located.map((item) => {
    const field = fieldOf(item)
    return field ? { ...item, field } : item
  })
  for (const resource of resources) delete resource.node
  return settled
}

export interface Field {
  line: number
  /** The pointer's segments down to the field placed (an unknown key included). */
  path: string[]
}

/**
 * Where the offending field of an invalid resource is: of the fields the
 * message names, the one earliest in the file, since an annotation has one
 * line and a reader starts there.
 */
export function fieldOf(located: Located): Field | undefined {
  const { result, resource } = located
  if (result.status !== 'statusInvalid' || !resource?.node) return undefined
  const { root, offset, lines } = resource.node
  let best: Field | undefined
  for (const violation of violationsOf(result.msg, result.validationErrors)) {
    const at = offsetOf(root, violation)
    if (at === undefined) continue
    const line = lines.lineOf(offset + at)
    const path = violation.extra === undefined ? violation.path : [...violation.path, violation.extra]
    if (!best || line < best.line) best = { line, path }
  }
  return best
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group) group.push(item)
    else groups.set(k, [item])
  }
  return groups
}

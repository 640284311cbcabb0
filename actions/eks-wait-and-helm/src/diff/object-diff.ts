import { createTwoFilesPatch } from 'diff'
import { stringify } from 'yaml'
import type { KubeObject } from '../manifests/objects'
import { normalizeObject, objectKey } from './normalize'
import { redactSecretPair } from './redact'

export interface ObjectChange {
  /** `Deployment.apps apps/web` */
  key: string
  action: 'add' | 'change' | 'remove'
  /** A unified diff of the object's YAML, Secret values redacted. */
  diff: string
}

export interface EntryDiff {
  changes: ObjectChange[]
  unchanged: number
}

/**
 * What a deploy would change, object by object: the objects only in
 * `proposed` are added, those only in `current` removed (a chart that no
 * longer renders them; Helm deletes them), the others compared as YAML
 * after the server's own fields are dropped and Secret values redacted.
 * Written with jsdiff (the diff library of the JavaScript field) rather than
 * an own line differ.
 */
export function diffObjects(current: readonly KubeObject[], proposed: readonly KubeObject[], defaultNamespace = ''): EntryDiff {
  const before = byKey(current, defaultNamespace)
  const after = byKey(proposed, defaultNamespace)
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort()
  const changes: ObjectChange[] = []
  let unchanged = 0
  for (const key of keys) {
    const [old, next] = redactSecretPair(before.get(key), after.get(key))
    const oldText = old ? stringify(old, { sortMapEntries: true }) : ''
    const newText = next ? stringify(next, { sortMapEntries: true }) : ''
    if (oldText === newText) {
      unchanged++
      continue
    }
    const action = !old ? 'add' : !next ? 'remove' : 'change'
    const patch = createTwoFilesPatch(`current/${key}`, `proposed/${key}`, oldText, newText, undefined, undefined, { context: 3 })
    // jsdiff starts with an `===` rule and, for one side empty, names it as given; the rest is the usual unified diff.
    const diff = patch
      .split('\n')
      .filter((line) => !/^=+$/.test(line) && !line.startsWith('Index:'))
      .join('\n')
      .trimEnd()
    changes.push({ key, action, diff })
  }
  return { changes, unchanged }
}

function byKey(objects: readonly KubeObject[], defaultNamespace: string): Map<string, KubeObject> {
  const map = new Map<string, KubeObject>()
  for (const object of objects) map.set(objectKey(object, defaultNamespace), normalizeObject(object))
  return map
}

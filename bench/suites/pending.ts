import { notMeasured } from '../lib/results'
import type { Suite } from '../lib/suite'
import { NOT_MERGED } from '../lib/suite'

/** The place of an action's benchmark until the action is merged: it reports that, and invents nothing. */
export function pendingSuite(id: string, title: string, method: string): Suite {
  return { id, title, run: async () => notMeasured(id, title, method, NOT_MERGED) }
}

import * as core from '../../../lib/core'
import { maskSecret, stringsIn } from '../../../lib/masks'
import type { TerraformOutput } from './terraform-cli'

/** Outputs the action sets itself; a Terraform output of the same name is only in outputs-json. */
export const ACTION_OUTPUTS = new Set(['outputs-json', 'changes', 'to-add', 'to-change', 'to-destroy', 'plan-path', 'failure-reason'])

/** How a value reads as a step output: strings as they are, everything else as JSON. */
export function outputText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null)
}

/**
 * Every text a sensitive value could be printed as: the whole value, each
 * string inside it, and each line of those, since the runner masks line by line.
 */
export function secretsOf(value: unknown): string[] {
  const found = new Set<string>()
  const add = (text: string) => {
    if (text.trim() === '') return
    found.add(text)
    for (const line of text.split(/\r?\n/)) if (line.trim() !== '') found.add(line)
  }
  add(outputText(value))
  for (const text of stringsIn(value)) add(text)
  return [...found]
}

/**
 * One step output per Terraform output plus `outputs-json`. Every sensitive
 * value is masked before any output is set, so nothing printed later (by this
 * step or the next) can show it.
 */
export function publishOutputs(outputs: Record<string, TerraformOutput>): void {
  for (const output of Object.values(outputs)) {
    if (output.sensitive) for (const secret of secretsOf(output.value)) maskSecret(secret)
  }
  const values: Record<string, unknown> = {}
  for (const [name, output] of Object.entries(outputs)) {
    values[name] = output.value
    if (ACTION_OUTPUTS.has(name)) {
      core.warning(`Terraform output '${name}' has the name of an output of this action; read it from outputs-json.`)
      continue
    }
    core.setOutput(name, outputText(output.value))
  }
  core.setOutput('outputs-json', JSON.stringify(values))
}

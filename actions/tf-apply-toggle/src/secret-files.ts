import { rmSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TerraformVariables } from './inputs'

/**
 * Backend settings and variables may hold secrets (access keys, passwords),
 * so they reach Terraform as files in a private temporary folder, never as
 * arguments that any process on the machine can read, and the folder is
 * removed as soon as the plan is saved.
 */
export class SecretFiles {
  private constructor(readonly dir: string) {}

  static async create(parent: string): Promise<SecretFiles> {
    // mkdtemp creates the folder with mode 0700.
    return new SecretFiles(await mkdtemp(join(parent, 'tf-apply-toggle-')))
  }

  /** A `-backend-config` file, or undefined when there are no settings. */
  async backendConfig(settings: ReadonlyMap<string, string>): Promise<string | undefined> {
    if (settings.size === 0) return undefined
    const lines = [...settings].map(([key, value]) => `${key} = ${hclValue(value)}`)
    return this.write('backend.tfbackend', `${lines.join('\n')}\n`)
  }

  /**
   * A `-var-file`, or undefined when there are no variables. `name=value` lines
   * become a .tfvars file in which the names in `parsedAsHcl` (variables of a
   * complex type) keep their value as an HCL expression (one input line, so it
   * cannot start another entry) and every other value is a quoted string: what
   * `-var name=value` would mean.
   */
  async variables(variables: TerraformVariables, parsedAsHcl: ReadonlyMap<string, string>): Promise<string | undefined> {
    if (variables.format === 'json') {
      if (Object.keys(variables.values).length === 0) return undefined
      return this.write('variables.tfvars.json', JSON.stringify(variables.values))
    }
    if (variables.values.size === 0) return undefined
    const lines = [...variables.values].map(([name, value]) => `${name} = ${parsedAsHcl.has(name) ? value : hclString(value)}`)
    return this.write('variables.tfvars', `${lines.join('\n')}\n`)
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true })
  }

  /** For a signal handler, which must not wait: the runner kills the step seconds after cancelling it. */
  removeNow(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }

  private async write(name: string, content: string): Promise<string> {
    const path = join(this.dir, name)
    await writeFile(path, content, { mode: 0o600 })
    return path
  }
}

/**
 * A backend-config value as HCL. Objects, lists and quoted strings are taken
 * as HCL already (`endpoints = { s3 = "…" }`); everything else is quoted, and
 * Terraform converts "true" or "5" to the bool or number the backend expects.
 */
export function hclValue(value: string): string {
  if (/^[{["]/.test(value)) return value
  return hclString(value)
}

export function hclString(value: string): string {
  let out = '"'
  for (let i = 0; i < value.length; i++) {
    const char = value[i] as string
    const next = value[i + 1]
    if (char === '\\') out += '\\\\'
    else if (char === '"') out += '\\"'
    else if (char === '\n') out += '\\n'
    else if (char === '\r') out += '\\r'
    else if (char === '\t') out += '\\t'
    // `${` and `%{` start templates; doubling the sigil makes them literal.
    else if ((char === '$' || char === '%') && next === '{') out += char + char
    else if (char < ' ') out += `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
    else out += char
  }
  return `${out}"`
}

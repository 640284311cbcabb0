import { UserError } from '../../../lib/errors'
import { quote } from '../../../lib/escape'
import { parseList } from '../../../lib/inputs'

/**
 * The `targets` and `replace` inputs: resource addresses for a repair
 * (`-target`, `-replace`), checked here so that a typo fails before init
 * rather than as Terraform's parse error after the backend was reached, and so
 * that nothing but an address ever becomes an argument.
 *
 * Terraform's address grammar, the parts a user can write: module calls
 * (`module.NAME`, with an optional `[index]` or `["key"]`) in any depth, then a
 * managed resource (`TYPE.NAME`) or a data source (`data.TYPE.NAME`), with an
 * optional instance key. A target may also stop at a module call.
 */
const NAME = '[A-Za-z_][A-Za-z0-9_-]*'
// A count index or a for_each key; a key holds no quote, backslash or backtick (no escapes to get wrong, and it
// prints as Markdown code in the summary).
const KEY = '\\[(?:\\d+|"[^"`\\\\\\r\\n]*")\\]'
const MODULE = `module\\.${NAME}(?:${KEY})?`
// `module` and `data` start other kinds of address, never a resource type.
const MANAGED = `(?!(?:module|data)\\.)${NAME}\\.${NAME}(?:${KEY})?`
const DATA = `data\\.${NAME}\\.${NAME}(?:${KEY})?`

const TARGET = new RegExp(`^(?:${MODULE}\\.)*(?:${MODULE}|${MANAGED}|${DATA})$`)
// Only a managed resource has an object to replace.
const REPLACE = new RegExp(`^(?:${MODULE}\\.)*${MANAGED}$`)

export type AddressInput = 'targets' | 'replace'

const ACCEPTED: Record<AddressInput, string> = {
  targets: 'a resource or module address such as aws_s3_bucket.logs, module.network or module.app["eu"].aws_instance.web',
  replace: 'a managed resource address such as aws_instance.web or module.app.aws_instance.web[0] (not a module or data source)',
}

/** One address per line; each is checked, and the first bad one is named with its line. */
export function parseAddresses(input: AddressInput, raw: string): string[] {
  const addresses = parseList(raw)
  const pattern = input === 'targets' ? TARGET : REPLACE
  for (const address of addresses) {
    if (!pattern.test(address)) {
      const line = raw.split(/\r?\n/).findIndex((candidate) => candidate.trim() === address) + 1
      throw new UserError(`Input '${input}' line ${line} must be ${ACCEPTED[input]}; got ${quote(address)}.`)
    }
  }
  return [...new Set(addresses)]
}

/**
 * Which modes take `targets` and `replace`. A destroy is refused both: with
 * -target Terraform destroys the named resources and everything that depends
 * on them, a blast radius the address does not show, while confirm-destroy
 * confirms the whole workspace by name; and -replace is only valid in a normal
 * plan (Terraform itself rejects it with -destroy). A drift check applies
 * nothing, so a replacement there means nothing; targets narrow what it checks.
 */
export function checkAddressesForMode(mode: string, targets: readonly string[], replace: readonly string[]): void {
  if (mode === 'destroy' && (targets.length > 0 || replace.length > 0)) {
    const input = targets.length > 0 ? 'targets' : 'replace'
    throw new UserError(
      `Input '${input}' is not accepted with mode destroy: a targeted destroy also destroys everything that depends on the targets, and -replace is only valid in a normal plan.`,
      'Destroy the whole workspace, or remove the resource from the configuration and run create.',
    )
  }
  if (mode === 'drift-check' && replace.length > 0) {
    throw new UserError(
      "Input 'replace' is not accepted with mode drift-check: a drift check applies nothing.",
      'Replace with mode create (or plan to review it first).',
    )
  }
}

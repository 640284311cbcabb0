import { isUserError, messageOf, userMessage } from '../../../../lib/errors'
import { execCredential, parseTokenCommandArgs } from '../access/exec-credential'

// The kubeconfig's exec credential plugin: kubectl and helm run it for a token
// whenever theirs is missing or expired. The ExecCredential goes to stdout;
// errors go to stderr, where kubectl shows them.
async function main(): Promise<void> {
  try {
    const credential = await execCredential(parseTokenCommandArgs(process.argv.slice(2)), process.env, new Date())
    process.stdout.write(`${JSON.stringify(credential)}\n`)
  } catch (error) {
    process.stderr.write(`eks-wait-and-helm token: ${isUserError(error) ? userMessage(error) : messageOf(error)}\n`)
    process.exitCode = 1
  }
}

void main()

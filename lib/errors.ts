/**
 * A UserError is a problem the user can fix (a bad input, a missing permission,
 * a resource in the wrong state). It is reported as one line with a hint and
 * never with a stack trace. Anything else reaching the error boundary is a bug.
 */
export class UserError extends Error {
  override readonly name = 'UserError'
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message)
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError
}

/** The message of any thrown value, without its stack. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}

/** One line for the user: the message, then the hint when there is one. */
export function userMessage(err: UserError): string {
  return err.hint ? `${err.message} ${err.hint}` : err.message
}

import { StsError } from '../../../lib/aws/sts'
import { messageOf } from '../../../lib/errors'
import { DeadlineExceededError } from '../../../lib/retry'

/** One line saying what went wrong in a call, for retry logs and failure messages. */
export function describeError(error: unknown): string {
  if (error instanceof DeadlineExceededError) return describeError(error.lastError)
  if (error instanceof StsError) return oneLine(error.code.startsWith('HTTP') ? error.message : `${error.code}: ${error.message}`)
  const cause = (error as { cause?: unknown } | undefined)?.cause
  // fetch reports every network failure as "fetch failed"; the cause says which.
  if (error instanceof TypeError && cause) return oneLine(`${error.message} (${causeText(cause)})`)
  return oneLine(messageOf(error))
}

function causeText(cause: unknown): string {
  const { code, message } = cause as { code?: string; message?: string }
  if (message && code && !message.includes(code)) return `${code}: ${message}`
  return message || code || String(cause)
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\.$/, '')
}

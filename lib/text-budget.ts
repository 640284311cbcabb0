/**
 * Fitting Markdown into GitHub's limits: a pull request comment's length in
 * characters, a step summary's in bytes. Shared by the actions that comment
 * a plan or a diff.
 */

/** GitHub rejects comment bodies longer than this many characters. */
export const COMMENT_LIMIT = 65_536
/** GitHub keeps at most 1 MiB of summary per step; leave room for other steps' markdown in the same file. */
export const SUMMARY_LIMIT = 1_000_000

/**
 * The longest start of `text` that measures at most `budget`, ended at a line
 * break when one is near, never in the middle of a surrogate pair.
 */
export function cutToFit(text: string, budget: number, measure: (text: string) => number): string {
  if (measure(text) <= budget) return text
  if (budget <= 0) return ''
  let low = 0
  let high = text.length
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if (measure(text.slice(0, middle)) <= budget) low = middle
    else high = middle - 1
  }
  let cut = text.slice(0, low)
  const code = cut.charCodeAt(cut.length - 1)
  if (code >= 0xd800 && code <= 0xdbff) cut = cut.slice(0, -1)
  const lineEnd = cut.lastIndexOf('\n')
  return lineEnd > cut.length / 2 ? cut.slice(0, lineEnd) : cut
}

export const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8')
export const charLength = (text: string): number => text.length

import { appendFile } from 'node:fs/promises'
import { EOL } from 'node:os'

/** Escapes text for a Markdown table cell: pipes split cells and newlines end rows. */
export function cell(text: string | number | boolean): string {
  return String(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>')
}

export function markdownTable(headers: readonly string[], rows: readonly (readonly (string | number | boolean)[])[]): string {
  const line = (cells: readonly (string | number | boolean)[]) => `| ${cells.map(cell).join(' | ')} |`
  return [line(headers), `|${headers.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n')
}

/** A collapsed block, so long plans and logs do not bury the summary. */
export function details(title: string, body: string): string {
  return `<details><summary>${cell(title)}</summary>\n\n${body}\n\n</details>`
}

export function codeBlock(text: string, language = ''): string {
  // A fence closes at the first run of at least as many backticks, so it must be longer than every run in the text.
  const longest = (text.match(/`+/g) ?? []).reduce((most, run) => Math.max(most, run.length), 0)
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return `${fence}${language}\n${text}\n${fence}`
}

/**
 * Appends Markdown to the job summary. Outside a runner (no
 * GITHUB_STEP_SUMMARY) it does nothing rather than fail the step.
 */
export async function appendSummary(markdown: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY
  if (file) await appendFile(file, markdown + EOL, 'utf8')
}

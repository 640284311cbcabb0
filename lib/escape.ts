/**
 * The one rule for text that came from outside (inputs, file names, a tool's
 * output, a server's answer) on its way to the step log: it can never start a
 * workflow command. The runner splits the log into lines on CR, LF and CRLF,
 * and takes a line as a command when, after leading whitespace, it starts with
 * `::` (or, in the legacy syntax, holds `##[` anywhere). So every line is
 * checked after every kind of line break, and a command-looking line is
 * defused visibly (`::x::` becomes `: :x::`, `##[` becomes `# #[`) rather
 * than dropped, so the log still shows what the tool said.
 *
 * `::stop-commands::<token>` around a tool's output would also work, but
 * while it is in force the runner ignores our own `::add-mask::` lines too,
 * and a secret masked then would print in clear: filtering has no such gap.
 */

const LINE_BREAK = /(\r\n|\r|\n)/

/** One line (no CR or LF in it) made unable to act as a workflow command. */
export function defuseLine(line: string): string {
  let out = line.replace(/##\[/g, '# #[')
  const start = out.length - out.trimStart().length
  if (out.startsWith('::', start)) out = `${out.slice(0, start)}: :${out.slice(start + 2)}`
  return out
}

/** Text of any number of lines, each defused, the line breaks kept as they were. */
export function defuse(text: string): string {
  return text
    .split(LINE_BREAK)
    .map((part, index) => (index % 2 === 1 ? part : defuseLine(part)))
    .join('')
}

/**
 * One value for use inside a message: control characters (CR and LF above
 * all) shown as escapes, so the value stays on the message's line and cannot
 * end it, and the legacy `##[` defused. Quoted, so a reader sees where the
 * value starts and ends.
 */
export function quote(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is escaped
  const escaped = value.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029\\']/g, (char) => {
    if (char === '\\') return '\\\\'
    if (char === "'") return "\\'"
    if (char === '\n') return '\\n'
    if (char === '\r') return '\\r'
    if (char === '\t') return '\\t'
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
  })
  return `'${escaped.replace(/##\[/g, '# #[')}'`
}

/** True when the text holds a character that would break a line of the log. */
export function hasControlCharacters(value: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is looked for
  return /[\u0000-\u001f\u007f\u0085\u2028\u2029]/.test(value)
}

/**
 * A tool's output on its way to the log, as it arrives: whole lines are
 * defused and passed on; a partial line waits for its end (a command can
 * only be recognised at a line's start, and `##[` may be split across
 * chunks). `flush` ends a partial line with a newline, so whatever is written
 * next (a group command of our own) starts a line of its own.
 */
export class LineFilter {
  private pending = ''

  constructor(private readonly sink: (text: string) => void) {}

  push(text: string): void {
    if (text === '') return
    const parts = (this.pending + text).split(LINE_BREAK)
    this.pending = parts.pop() ?? ''
    // A CR at the very end may be the first half of a CRLF: keep it with the next chunk.
    let out = ''
    for (let i = 0; i < parts.length; i += 2) out += defuseLine(parts[i] as string) + (parts[i + 1] as string)
    if (out.endsWith('\r') && this.pending === '') {
      out = out.slice(0, -1)
      this.pending = '\r'
    }
    if (out !== '') this.sink(out)
  }

  flush(): void {
    if (this.pending === '') return
    const line = this.pending === '\r' ? '\n' : `${defuseLine(this.pending.replace(/\r$/, ''))}\n`
    this.pending = ''
    this.sink(line)
  }
}

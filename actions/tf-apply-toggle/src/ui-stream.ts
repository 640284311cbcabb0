import { StringDecoder } from 'node:string_decoder'
import { type Diagnostic, isDiagnostic, renderDiagnostic } from './diagnostics'

/**
 * Turns Terraform's machine-readable UI (`plan -json`, `apply -json`: one
 * JSON object per line) back into readable log lines as they arrive, and keeps
 * the diagnostics as data so failures are classified from fields, not text.
 * A line that is not JSON (a crash, a wrapper's banner) is passed through.
 */
export class JsonUiStream {
  readonly diagnostics: Diagnostic[] = []
  private pending = ''
  // A chunk may end inside a multi-byte character.
  private readonly decoder = new StringDecoder('utf8')

  constructor(private readonly write: (text: string) => void) {}

  push(chunk: Buffer | string): void {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk)
    const lines = this.pending.split('\n')
    this.pending = lines.pop() ?? ''
    for (const line of lines) this.line(line)
  }

  end(): void {
    this.pending += this.decoder.end()
    if (this.pending !== '') this.line(this.pending)
    this.pending = ''
  }

  private line(raw: string): void {
    const text = raw.replace(/\r$/, '')
    if (text.trim() === '') return
    let event: unknown
    try {
      event = JSON.parse(text)
    } catch {
      this.write(`${text}\n`)
      return
    }
    if (typeof event !== 'object' || event === null) {
      this.write(`${text}\n`)
      return
    }
    const record = event as { type?: unknown; diagnostic?: unknown; '@message'?: unknown }
    if (record.type === 'diagnostic' && isDiagnostic(record.diagnostic)) {
      this.diagnostics.push(record.diagnostic)
      this.write(renderDiagnostic(record.diagnostic))
      return
    }
    if (typeof record['@message'] === 'string') this.write(`${record['@message']}\n`)
  }
}

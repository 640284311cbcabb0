import { describe, expect, it, vi } from 'vitest'
import * as core from '../../lib/core'
import { defuse, LineFilter, quote } from '../../lib/escape'
import { exec } from '../../lib/exec'
import { captureStdout } from '../harness/capture'
import { commandsAsRunnerSees, forgedCommands } from '../harness/commands'

const MARK = 'FORGED7'

/** What the probe forged: every line break the runner splits on, leading blanks, the legacy syntax, stop-commands. */
const HOSTILE: [string, string][] = [
  ['an annotation on its own line', `::warning title=${MARK}::x`],
  ['a mask after LF', `ok\n::add-mask::${MARK}`],
  ['stop-commands after a bare CR', `ok\r::stop-commands::${MARK}`],
  ['an error after CRLF', `ok\r\n::error::${MARK}`],
  ['leading blanks', ` \t ::notice file=${MARK}::x`],
  ['the legacy syntax mid-line', `text ##[error]${MARK}`],
  ['a group, then a mask', `::group::${MARK}\n::add-mask::${MARK}`],
]

describe('lib/escape: the runner sees no command in text from outside', () => {
  it('finds the forgeries in the raw text (the check can fail)', () => {
    for (const [, text] of HOSTILE) expect(forgedCommands(text, MARK)).not.toEqual([])
  })

  it.each(HOSTILE)('defuse: %s', (_name, text) => {
    expect(forgedCommands(defuse(text), MARK)).toEqual([])
    expect(commandsAsRunnerSees(defuse(text))).toEqual([])
  })

  it.each(HOSTILE)('core.info: %s', async (_name, text) => {
    const { stdout } = await captureStdout(async () => core.info(`Rendering ${text}`))
    expect(commandsAsRunnerSees(stdout)).toEqual([])
    expect(stdout).toContain(MARK)
  })

  it.each(HOSTILE)('quote keeps a value on one line: %s', (_name, text) => {
    const quoted = quote(text)
    expect(quoted).not.toMatch(/[\r\n]/)
    expect(forgedCommands(`Wrote ${quoted}.`, MARK)).toEqual([])
  })

  it('LineFilter: the same in chunks of every size, the line breaks kept', () => {
    const text = `${HOSTILE.map(([, payload]) => payload).join('\r\n')}\r`
    for (let size = 1; size <= 7; size++) {
      let out = ''
      const filter = new LineFilter((chunk) => {
        out += chunk
      })
      for (let i = 0; i < text.length; i += size) filter.push(text.slice(i, i + size))
      filter.flush()
      expect(forgedCommands(out, MARK)).toEqual([])
      expect(out.split(/\r\n|\r|\n/).length).toBe(text.split(/\r\n|\r|\n/).length)
    }
  })

  it('LineFilter.flush ends a partial line, so a group command after it starts a line', () => {
    let out = ''
    const filter = new LineFilter((chunk) => {
      out += chunk
    })
    filter.push('partial')
    filter.flush()
    out += '::endgroup::\n'
    expect(commandsAsRunnerSees(out).map((command) => command.name)).toEqual(['endgroup'])
  })

  it.each(HOSTILE)("exec: a tool's stdout and stderr, streamed to the log: %s", async (_name, text) => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      const script = 'process.stdout.write(process.argv[1]); process.stderr.write(process.argv[1])'
      const result = await exec(process.execPath, ['-e', script, text])
      const shown = (spy: typeof out) => spy.mock.calls.map((call) => String(call[0])).join('')
      expect(forgedCommands(shown(out), MARK)).toEqual([])
      expect(forgedCommands(shown(err), MARK)).toEqual([])
      // The caller still gets the tool's output as it was.
      expect(result.stdout).toBe(text)
    } finally {
      out.mockRestore()
      err.mockRestore()
    }
  })
})

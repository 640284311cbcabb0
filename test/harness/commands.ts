/**
 * Parsers for what an action writes back to the runner: workflow commands on
 * stdout (`::add-mask::`, `::error file=…::`) and the file commands
 * (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE) in both their `name=value` and
 * heredoc forms. They follow the runner's own escaping rules.
 */

export interface Annotation {
  level: 'error' | 'warning' | 'notice'
  message: string
  file?: string
  line?: number
  endLine?: number
  column?: number
  title?: string
}

export interface WorkflowCommands {
  masks: string[]
  annotations: Annotation[]
  debug: string[]
}

const unescapeData = (text: string) => text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
const unescapeProperty = (text: string) => unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',')

export function parseWorkflowCommands(stdout: string): WorkflowCommands {
  const parsed: WorkflowCommands = { masks: [], annotations: [], debug: [] }
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line)
    if (!match) continue
    const [, command, rawProperties = '', rawData = ''] = match
    const data = unescapeData(rawData)
    if (command === 'add-mask') parsed.masks.push(data)
    else if (command === 'debug') parsed.debug.push(data)
    else if (command === 'error' || command === 'warning' || command === 'notice') {
      const properties = parseProperties(rawProperties)
      parsed.annotations.push({
        level: command,
        message: data,
        file: properties.file,
        line: numberOrUndefined(properties.line),
        endLine: numberOrUndefined(properties.endLine),
        column: numberOrUndefined(properties.col),
        title: properties.title,
      })
    }
  }
  return parsed
}

function parseProperties(raw: string): Record<string, string> {
  const properties: Record<string, string> = {}
  for (const pair of raw.split(',')) {
    const at = pair.indexOf('=')
    if (at > 0) properties[pair.slice(0, at)] = unescapeProperty(pair.slice(at + 1))
  }
  return properties
}

function numberOrUndefined(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text)
}

/** Parses a GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE file. */
export function parseFileCommands(content: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = content.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    if (line === '') continue
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line)
    const equals = line.indexOf('=')
    if (heredoc && (equals < 0 || heredoc.index + (heredoc[1] as string).length < equals)) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string]
      const body: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i] as string)
      if (i >= lines.length) throw new Error(`file command for '${name}' has no closing delimiter ${delimiter}`)
      values[name] = body.join('\n')
    } else if (equals > 0) {
      values[line.slice(0, equals)] = line.slice(equals + 1)
    } else {
      throw new Error(`malformed file command line: ${line}`)
    }
  }
  return values
}

/** A workflow command as the runner would act on it, with the log line it came from. */
export interface RunnerCommand {
  name: string
  properties: string
  data: string
  line: string
  /** The deprecated `##[name properties]data` form. */
  legacy: boolean
}

/**
 * Every command the runner would act on in a step's log, modelled on its
 * parser rather than on what our actions print: lines end at CR, LF or CRLF;
 * leading whitespace is skipped before `::`; the legacy `##[` is found
 * anywhere in a line; `::stop-commands::token` ignores everything up to
 * `::token::`. Tests of hostile input use it to prove nothing was forged.
 */
export function commandsAsRunnerSees(log: string): RunnerCommand[] {
  const found: RunnerCommand[] = []
  let stoppedUntil: string | undefined
  for (const line of log.split(/\r\n|\r|\n/)) {
    const text = line.trimStart()
    if (stoppedUntil !== undefined) {
      if (text === `::${stoppedUntil}::`) stoppedUntil = undefined
      continue
    }
    const modern = /^::([^\s:]+)(?: ([^:]*))?::(.*)$/.exec(text)
    if (modern) {
      const [, name = '', properties = '', data = ''] = modern
      found.push({ name, properties, data, line, legacy: false })
      if (name === 'stop-commands') stoppedUntil = data
      continue
    }
    const at = line.indexOf('##[')
    if (at >= 0) {
      const legacy = /^##\[([^\s\]]+)(?: ([^\]]*))?\](.*)$/.exec(line.slice(at))
      if (legacy) found.push({ name: legacy[1] ?? '', properties: legacy[2] ?? '', data: legacy[3] ?? '', line, legacy: true })
    }
  }
  return found
}

/**
 * The commands of a log that hostile text forged: any legacy or
 * stop-commands command, and any command whose name or properties hold the
 * marker, or whose data starts with it (our own messages may quote it, never
 * start with it).
 */
export function forgedCommands(log: string, marker: string): RunnerCommand[] {
  return commandsAsRunnerSees(log).filter(
    (command) =>
      command.legacy ||
      command.name === 'stop-commands' ||
      command.name.includes(marker) ||
      command.properties.includes(marker) ||
      unescapeData(command.data).trimStart().startsWith(marker) ||
      (command.name === 'add-mask' && command.data.includes(marker)),
  )
}

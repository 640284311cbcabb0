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

import { accessSync, constants } from 'node:fs'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'

/**
 * A stand-in program that runs the real one and appends when it started and
 * ended to a log: how much of an action's step is the tool's own work, read
 * from outside the action (its internals are not imported). bash, because its
 * EPOCHREALTIME gives microseconds without starting another process.
 */

export interface CommandTime {
  /** The subcommand: the first argument that is not an option (`init`, `plan`, `show`). */
  command: string
  /** Every argument, space-separated as the stand-in logged them. */
  args: string
  startMs: number
  endMs: number
}

export interface TimedCommand {
  /** The stand-in's path, to give where the tool's path is asked for. */
  path: string
  /** Every run since the last clear, in the order they ended. */
  read(): Promise<CommandTime[]>
  clear(): Promise<void>
}

/** The program's absolute path, from PATH, as the shell would find it. */
export function onPath(name: string, path = process.env.PATH ?? ''): string {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  throw new Error(`${name} is not on PATH`)
}

/** Parses the stand-in's log: "<start> <end> <arguments…>", times in seconds with microseconds. */
export function parseCommandLog(text: string): CommandTime[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [start = '', end = '', ...args] = line.split(' ')
      // EPOCHREALTIME follows the locale's decimal mark.
      const startMs = Number(start.replace(',', '.')) * 1000
      const endMs = Number(end.replace(',', '.')) * 1000
      if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs < startMs) throw new Error(`not a command time: ${line}`)
      return { command: args.find((arg) => !arg.startsWith('-')) ?? '', args: args.join(' '), startMs, endMs }
    })
}

/** The time the commands ran, overlaps counted once. */
export function busyMs(times: readonly CommandTime[]): number {
  const sorted = [...times].sort((a, b) => a.startMs - b.startMs)
  let total = 0
  let end = Number.NEGATIVE_INFINITY
  for (const time of sorted) {
    if (time.endMs <= end) continue
    total += time.endMs - Math.max(time.startMs, end)
    end = time.endMs
  }
  return total
}

export async function timedCommand(dir: string, name: string, real: string): Promise<TimedCommand> {
  const path = join(dir, name)
  const log = join(dir, `${name}.times`)
  const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`
  await writeFile(
    path,
    [
      '#!/bin/bash',
      'start=$EPOCHREALTIME',
      `${quote(real)} "$@"`,
      'code=$?',
      `printf '%s %s %s\\n' "$start" "$EPOCHREALTIME" "$*" >> ${quote(log)}`,
      'exit $code',
      '',
    ].join('\n'),
  )
  await chmod(path, 0o755)
  await writeFile(log, '')
  return {
    path,
    read: async () => parseCommandLog(await readFile(log, 'utf8')),
    clear: () => writeFile(log, ''),
  }
}

import { readdirSync, readFileSync } from 'node:fs'

/**
 * Which tools are at work under a process, sampled from /proc: the
 * pipeline's workflows find their tools in places a stand-in on PATH would
 * not reach (setup actions prepend their own folders, actions use their tool
 * cache), but every tool process descends from the run being measured. Only
 * descendants count, so another user's Terraform on the same machine does not.
 */

export interface ProcessEntry {
  pid: number
  ppid: number
  comm: string
}

/** Parses /proc/<pid>/stat: the command name is in parentheses and may itself hold spaces or parentheses. */
export function parseStat(text: string): ProcessEntry | undefined {
  const open = text.indexOf('(')
  const close = text.lastIndexOf(')')
  if (open < 0 || close < open) return undefined
  const pid = Number(text.slice(0, open).trim())
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ')
  const ppid = Number(rest[1])
  if (!Number.isInteger(pid) || !Number.isInteger(ppid)) return undefined
  return { pid, ppid, comm: text.slice(open + 1, close) }
}

/** The command names of `root`'s descendants (itself excluded) in a process table. */
export function descendantNames(table: readonly ProcessEntry[], root: number): string[] {
  return descendants(table, root).map((entry) => entry.comm)
}

/** `root`'s descendants (itself excluded) in a process table. */
export function descendants(table: readonly ProcessEntry[], root: number): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>()
  for (const entry of table) children.set(entry.ppid, [...(children.get(entry.ppid) ?? []), entry])
  const names: ProcessEntry[] = []
  const stack = [root]
  const seen = new Set<number>()
  while (stack.length > 0) {
    const pid = stack.pop() as number
    for (const child of children.get(pid) ?? []) {
      if (seen.has(child.pid)) continue
      seen.add(child.pid)
      names.push(child)
      stack.push(child.pid)
    }
  }
  return names
}

function readProcessTable(): ProcessEntry[] {
  const table: ProcessEntry[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const entry = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'))
      if (entry) table.push(entry)
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return table
}

export interface Sample {
  atMs: number
  /** The tools (by `classify`) at work at that moment. */
  tools: string[]
  /** What else `classify` named at that moment (an action's bundle, a script): where time without a tool goes. */
  others: string[]
}

/** What a process is: a tool at work, something else worth naming, or (undefined) neither. */
export type Classification = { tool: string } | { other: string } | undefined

/** A process's arguments, NUL-separated in /proc; empty when it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
  } catch {
    return ''
  }
}

export interface Sampler {
  stop(): Sample[]
  intervalMs: number
}

/**
 * Samples `root`'s descendants every `intervalMs`; `classify` names the tool
 * a command name belongs to (terraform-provider-aws → terraform), or
 * undefined for anything that is not a tool's own work.
 */
export function sampleTools(root: number, classify: (comm: string, pid: number) => Classification, intervalMs: number): Sampler {
  const samples: Sample[] = []
  const timer = setInterval(() => {
    const tools = new Set<string>()
    const others = new Set<string>()
    for (const entry of descendants(readProcessTable(), root)) {
      const kind = classify(entry.comm, entry.pid)
      if (kind && 'tool' in kind) tools.add(kind.tool)
      else if (kind) others.add(kind.other)
    }
    samples.push({ atMs: Date.now(), tools: [...tools].sort(), others: [...others].sort() })
  }, intervalMs)
  return {
    intervalMs,
    stop: () => {
      clearInterval(timer)
      return samples
    },
  }
}

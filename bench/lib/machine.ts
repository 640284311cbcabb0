import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import type { Machine } from './results'

/** Describes the machine a run measured on, so a reader can judge the figures. */
export function describeMachine(nodeBinary: string): Machine {
  const processors = cpus()
  return {
    cpuModel: processors[0]?.model.trim() || 'unknown CPU',
    cores: processors.length,
    memoryGiB: totalmem() / 2 ** 30,
    os: osName(),
    kernel: release(),
    node: execFileSync(nodeBinary, ['--version'], { encoding: 'utf8' }).trim(),
    hostNode: process.version,
    loadBefore: loadavg()[0] ?? 0,
  }
}

export function currentLoad(): number {
  return loadavg()[0] ?? 0
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8')
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'Linux'
  } catch {
    return process.platform
  }
}

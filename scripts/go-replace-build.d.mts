export function moduleReplaces(goMod: string): string[]
export function throwawayGoMod(goMod: string, module: string, version: string): string
export function buildWithReplaces(options: {
  run: (command: string, args: string[], options?: Record<string, unknown>) => { stdout: string }
  installInto: (dir: string, fill: (staging: string) => void) => void
  module: string
  version: string
  command: string
  dir: string
  binary: string
  linkerFlags?: string[]
}): void

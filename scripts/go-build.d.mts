type Run = (command: string, args: string[], options?: Record<string, unknown>) => { stdout: string }
export function goEnv(extra?: Record<string, string>): NodeJS.ProcessEnv
export function downloadModule(run: Run, module: string, version: string): { Dir: string; GoMod: string }
export function lowPriorityGoBuild(run: Run, options: { cwd: string; packages: string[]; output: string; linkerFlags?: string[] }): void
export function mainModuleDirectives(goMod: string): { replaces: string[]; excludes: string[] }
export function throwawayGoMod(goMod: string, module: string, version: string): string
export function buildAsMainModule(options: {
  run: Run
  installInto: (dir: string, fill: (staging: string) => void) => void
  module: string
  version: string
  command: string
  dir: string
  binary: string
  linkerFlags?: string[]
}): void

type Release = { url: (platform: string) => string; member: (platform: string) => string | null; sha256: Record<string, string> }
export declare function goPlatform(platform?: string, arch?: string): string
export declare function installRelease(options: {
  release: Release
  platform: string
  label: string
  dir: string
  binary: string
  run: (command: string, args: string[], options?: Record<string, unknown>) => unknown
  installInto: (dir: string, fill: (staging: string) => void) => void
  fail: (message: string) => never
}): boolean

// Installs a tool from its official release: the pinned version's file for this platform, checked
// against the sha256 committed in scripts/toolchain.mjs (RELEASES), then its binary swapped into the
// tool cache. When there is no pinned sum for this platform or the host cannot be reached, it says so
// in one line and returns false, and the setup builds the tool from source instead.
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UNREACHABLE } from './download.mjs'

const downloader = new URL('download.mjs', import.meta.url).pathname

/** Go's name for this platform, as release files use it (linux-amd64). */
export function goPlatform(platform = process.platform, arch = process.arch) {
  return `${platform === 'win32' ? 'windows' : platform}-${{ x64: 'amd64', arm64: 'arm64' }[arch] ?? arch}`
}

/**
 * `release` is a RELEASES entry; the binary lands in `dir` as `binary` through `installInto`.
 * `run` and `fail` are the setup's (scripts/setup-steps.mjs): a command that must succeed, and one line then exit.
 */
export function installRelease({ release, platform, label, dir, binary, run, installInto, fail }) {
  const sha256 = release.sha256[platform]
  if (!sha256) {
    console.log(`setup: ${label}: no pinned sha256 for its ${platform} release; building from source`)
    return false
  }
  const work = mkdtempSync(join(tmpdir(), 'release-'))
  try {
    const file = join(work, 'download')
    // A child process, so the setup's steps stay synchronous.
    const result = spawnSync(process.execPath, [downloader, release.url(platform), sha256, file], {
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
    })
    const reason = (result.stderr ?? '').trim()
    if (result.status === UNREACHABLE) {
      console.log(`setup: ${label}: ${reason}; building from source`)
      return false
    }
    if (result.status !== 0) fail(`${label}: ${reason || `the download exited with ${result.status ?? result.signal}`}`)
    const member = release.member(platform)
    installInto(dir, (staging) => {
      if (member) run('tar', ['-xzf', file, '-C', work, member])
      renameSync(member ? join(work, member) : file, join(staging, binary))
      chmodSync(join(staging, binary), 0o755)
    })
    console.log(`setup: ${label}: the official release, sha256 verified`)
    return true
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

// Downloads one official release file and checks it against its pinned sha256:
// `node scripts/download.mjs <url> <sha256> <file>`. The setup runs it as a child process so
// its own steps stay synchronous. Exit 0: the file is there and verified. Exit 3: the host could
// not be reached at all (no network, no DNS, refused), so the setup builds from source instead.
// Exit 1: anything else (an HTTP error, a different sha256), which the setup reports and stops on:
// a reachable host serving other bytes than the pinned ones must never be quietly worked around.
import { createHash } from 'node:crypto'
import { createWriteStream, rmSync } from 'node:fs'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { pathToFileURL } from 'node:url'

export const UNREACHABLE = 3

/** A network failure before any response: the host is not reachable from this machine. */
export class Unreachable extends Error {}

export async function download(url, sha256, file, { fetchImpl = fetch, timeoutMs = 600_000 } = {}) {
  let response
  try {
    response = await fetchImpl(url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) })
  } catch (error) {
    const cause = error?.cause
    throw new Unreachable(`${new URL(url).host} cannot be reached (${cause?.code ?? cause?.message ?? error.message})`)
  }
  if (!response.ok || !response.body) throw new Error(`${url}: HTTP ${response.status}`)
  const hash = createHash('sha256')
  const digest = new Transform({
    transform(chunk, _encoding, done) {
      hash.update(chunk)
      done(null, chunk)
    },
  })
  try {
    await pipeline(Readable.fromWeb(response.body), digest, createWriteStream(file))
  } catch (error) {
    rmSync(file, { force: true })
    throw new Error(`${url}: the download broke off (${error.message})`)
  }
  const actual = hash.digest('hex')
  if (actual !== sha256) {
    rmSync(file, { force: true })
    throw new Error(`${url}: sha256 ${actual}, but scripts/toolchain.mjs pins ${sha256}`)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [url, sha256, file] = process.argv.slice(2)
  if (!url || !/^[0-9a-f]{64}$/.test(sha256 ?? '') || !file) {
    console.error('usage: node scripts/download.mjs <url> <sha256> <file>')
    process.exit(2)
  }
  try {
    await download(url, sha256, file)
  } catch (error) {
    console.error(error.message)
    process.exit(error instanceof Unreachable ? UNREACHABLE : 1)
  }
}

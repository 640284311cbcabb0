// Builds one of the Go commands of MAIN_MODULE_TOOLS into the tool cache, unless it is
// there already: `node scripts/build-tool.mjs <name>`. The setup runs it in-process for
// most, and as a background process for the ones that take longest to compile.
import { existsSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildProviderWithServices } from './aws-provider-build.mjs'
import { buildAsMainModule } from './go-build.mjs'
import { fail, installInto, run, step } from './setup-steps.mjs'
import { MAIN_MODULE_TOOLS, toolPaths } from './toolchain.mjs'

/** Builds `tool` (a MAIN_MODULE_TOOLS entry) into `binary`: with only its `services` when it names them (the AWS provider). */
export function buildMainModule(tool, binary) {
  const build = tool.services ? buildProviderWithServices : buildAsMainModule
  build({ run, installInto, ...tool, dir: dirname(binary), binary: basename(binary) })
}

export function buildTool(name) {
  const tool = MAIN_MODULE_TOOLS[name]
  if (!tool) fail(`no tool named '${name}': one of ${Object.keys(MAIN_MODULE_TOOLS).join(', ')}`)
  const binary = toolPaths()[name]
  step(
    `${tool.label} ${tool.version}, built from source`,
    () => existsSync(binary),
    () => buildMainModule(tool, binary),
  )
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) buildTool(process.argv[2])

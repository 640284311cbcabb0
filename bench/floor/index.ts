// The smallest action this toolchain can ship: the runner protocol (lib/core.ts) and nothing else.
// Bundled by the benchmarks with the actions' own ncc settings, it is the
// floor that bundle size and start-up figures are compared with.
import * as core from '../../lib/core'

core.setOutput('floor', 'true')

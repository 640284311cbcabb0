// The smallest action this toolchain can ship: @actions/core and nothing else.
// Bundled by the benchmarks with the actions' own ncc settings, it is the
// floor that bundle size and start-up figures are compared with.
import * as core from '@actions/core'

core.setOutput('floor', 'true')

import { runRefresher } from '../refresher'

// Nothing is printed: the process outlives the step and its output goes nowhere.
runRefresher().then(
  () => process.exit(0),
  () => process.exit(1),
)

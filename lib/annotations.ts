import * as core from './core'

export interface Location {
  file: string
  line?: number
  column?: number
  title?: string
}

/** An error annotation on a file and line, shown inline on the pull request diff. */
export function annotateError(message: string, location: Location): void {
  core.error(message, toProperties(location))
}

export function annotateWarning(message: string, location: Location): void {
  core.warning(message, toProperties(location))
}

function toProperties(location: Location): core.AnnotationProperties {
  return {
    file: location.file,
    startLine: location.line,
    startColumn: location.column,
    title: location.title,
  }
}

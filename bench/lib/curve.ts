import type { Unit } from './results'
import { type Ratio, ratio, type Stat } from './stats'

/**
 * A size curve: one figure measured at several sizes of the work (resources,
 * releases, images), each point beside its baseline measured in the same run
 * at the same size. A reader asks how the cost grows, so a curve also carries
 * its growth exponent: the slope of log(figure) against log(size).
 */

export interface CurvePoint {
  size: number
  value: Stat
  baseline?: Stat
  ratio?: Ratio
}

export interface Curve {
  /** File-safe and unique in a run: names the curve's panel in the plot. */
  id: string
  title: string
  /** What the size counts, e.g. "resources". */
  sizeLabel: string
  unit: Unit
  subjectLabel: string
  baselineLabel?: string
  points: CurvePoint[]
}

/** Builds a curve's points, each with its ratio to the baseline of the same size when there is one. */
export function curvePoints(points: readonly { size: number; value: Stat; baseline?: Stat }[]): CurvePoint[] {
  const sorted = [...points].sort((a, b) => a.size - b.size)
  for (let index = 1; index < sorted.length; index++) {
    if ((sorted[index] as CurvePoint).size === (sorted[index - 1] as CurvePoint).size) throw new Error('a curve has two points of one size')
  }
  return sorted.map((point) =>
    point.baseline && point.baseline.median > 0 && point.baseline.min > 0
      ? { size: point.size, value: point.value, baseline: point.baseline, ratio: ratio(point.value, point.baseline) }
      : { ...point },
  )
}

/** A curve over `sizes`: each point's figure, and its baseline's when the curve has one, read by size. */
export function sizeCurve(
  meta: Omit<Curve, 'points'>,
  sizes: readonly number[],
  value: (size: number) => Stat,
  baseline?: (size: number) => Stat,
): Curve {
  return {
    ...meta,
    points: curvePoints(sizes.map((size) => ({ size, value: value(size), ...(baseline ? { baseline: baseline(size) } : {}) }))),
  }
}

/**
 * Least-squares slope of log(value) against log(size): 1 means the figure
 * grows as the size does, 2 quadratically, 0 not at all. Undefined below two
 * sizes or with a non-positive value (a log has no answer there).
 */
export function growthExponent(points: readonly { size: number; value: number }[]): number | undefined {
  if (points.length < 2 || points.some((point) => point.size <= 0 || point.value <= 0)) return undefined
  const xs = points.map((point) => Math.log(point.size))
  const ys = points.map((point) => Math.log(point.value))
  const meanX = xs.reduce((sum, x) => sum + x, 0) / xs.length
  const meanY = ys.reduce((sum, y) => sum + y, 0) / ys.length
  let covariance = 0
  let variance = 0
  for (let index = 0; index < xs.length; index++) {
    covariance += ((xs[index] as number) - meanX) * ((ys[index] as number) - meanY)
    variance += ((xs[index] as number) - meanX) ** 2
  }
  if (variance === 0) return undefined
  return covariance / variance
}

/** The growth exponent of a curve's medians. */
export function curveExponent(curve: Pick<Curve, 'points'>): number | undefined {
  return growthExponent(curve.points.map((point) => ({ size: point.size, value: point.value.median })))
}

/** The point of the largest size, where a goal "at 50,000" is read. */
export function largest(curve: Pick<Curve, 'points'>): CurvePoint {
  const point = curve.points.at(-1)
  if (!point) throw new Error('a curve without points')
  return point
}

/** A detection in normalised model coordinates: box corners and keypoints. */
export interface Detection {
  score: number
  xMin: number
  yMin: number
  xMax: number
  yMax: number
  /** x, y pairs. */
  keypoints: number[]
}

function intersectionOverUnion(a: Detection, b: Detection): number {
  const width = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin)
  const height = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin)
  if (width <= 0 || height <= 0) return 0
  const intersection = width * height
  const union = (a.xMax - a.xMin) * (a.yMax - a.yMin) + (b.xMax - b.xMin) * (b.yMax - b.yMin) - intersection
  return union > 0 ? intersection / union : 0
}

/**
 * Weighted non-maximum suppression, as MediaPipe applies it to BlazeFace. The
 * best remaining detection and every detection overlapping it by more than
 * `iouThreshold` merge into one. The merged box and keypoints are the
 * score-weighted mean of the group, and its score is the best one's.
 */
export function weightedNonMaxSuppression(
  detections: Detection[],
  iouThreshold: number,
  maxCount: number,
): Detection[] {
  let remaining = [...detections].sort((a, b) => b.score - a.score)
  const kept: Detection[] = []

  while (remaining.length > 0 && kept.length < maxCount) {
    const best = remaining[0]!
    const group = remaining.filter((candidate) => intersectionOverUnion(best, candidate) > iouThreshold)
    remaining = remaining.filter((candidate) => !group.includes(candidate) && candidate !== best)

    const members = group.length > 0 ? group : [best]
    const total = members.reduce((sum, member) => sum + member.score, 0)
    const mean = (pick: (member: Detection) => number) =>
      members.reduce((sum, member) => sum + pick(member) * member.score, 0) / total
    kept.push({
      score: best.score,
      xMin: mean((member) => member.xMin),
      yMin: mean((member) => member.yMin),
      xMax: mean((member) => member.xMax),
      yMax: mean((member) => member.yMax),
      keypoints: best.keypoints.map((_, index) => mean((member) => member.keypoints[index]!)),
    })
  }
  return kept
}

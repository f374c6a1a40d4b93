/** Centre of one SSD anchor, in [0, 1] of the model input; BlazeFace anchors are 1×1. */
export interface Anchor {
  x: number
  y: number
}

/**
 * Anchors of the BlazeFace short-range (front, 128×128) model, in the order of
 * its outputs: a 16×16 grid (stride 8) with 2 anchors per cell, then an 8×8 grid
 * (stride 16) with 6 per cell, 896 in all. These are MediaPipe's SSD anchor
 * settings for that model: strides 8, 16, 16, 16 with one aspect ratio and fixed
 * anchor size, where the three stride-16 layers share one grid.
 */
export function blazeFaceAnchors(inputSize = 128): Anchor[] {
  const layers: Array<[stride: number, perCell: number]> = [
    [8, 2],
    [16, 6],
  ]
  const anchors: Anchor[] = []
  for (const [stride, perCell] of layers) {
    const grid = Math.ceil(inputSize / stride)
    for (let y = 0; y < grid; y++) {
      for (let x = 0; x < grid; x++) {
        for (let k = 0; k < perCell; k++) anchors.push({ x: (x + 0.5) / grid, y: (y + 0.5) / grid })
      }
    }
  }
  return anchors
}

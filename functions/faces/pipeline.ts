import { FACE_KEYPOINTS, type Face, type FaceParameters, type FacesResponse } from '../../schemas/faces.ts'
import type { EdgeFunction } from '../runtime/call.ts'
import { tensor } from '../runtime/tensor.ts'
import { decodeImage, type ImageMediaType } from '../image/decode.ts'
import { letterbox, type LetterboxPlacement } from '../image/letterbox.ts'
import { blazeFaceAnchors } from './anchors.ts'
import { weightedNonMaxSuppression, type Detection } from './nms.ts'

/** Manifest name of the model this function runs. */
export const FACES_MODEL = 'blazeface'

const INPUT_SIZE = 128
/** Raw box values are in input pixels: centre offset, size, then six keypoints. */
const BOX_VALUES = 16
const ANCHORS = blazeFaceAnchors(INPUT_SIZE)

/** Input of the face detector: an encoded image and the detection parameters. */
export interface FacesInput {
  bytes: Uint8Array
  mediaType: ImageMediaType
  params: FaceParameters
  maxImagePixels: number
}

function sigmoid(logit: number): number {
  return 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, logit))))
}

/** Decodes anchor-relative raw outputs into detections scoring at least `minScore`. */
export function decodeDetections(scores: Float32Array, boxes: Float32Array, minScore: number): Detection[] {
  const detections: Detection[] = []
  for (let i = 0; i < ANCHORS.length; i++) {
    const score = sigmoid(scores[i]!)
    if (score < minScore) continue

    const anchor = ANCHORS[i]!
    const raw = boxes.subarray(i * BOX_VALUES, (i + 1) * BOX_VALUES)
    const centreX = raw[0]! / INPUT_SIZE + anchor.x
    const centreY = raw[1]! / INPUT_SIZE + anchor.y
    const halfWidth = raw[2]! / INPUT_SIZE / 2
    const halfHeight = raw[3]! / INPUT_SIZE / 2
    const keypoints: number[] = []
    for (let k = 0; k < FACE_KEYPOINTS.length; k++) {
      keypoints.push(raw[4 + 2 * k]! / INPUT_SIZE + anchor.x, raw[5 + 2 * k]! / INPUT_SIZE + anchor.y)
    }
    detections.push({
      score,
      xMin: centreX - halfWidth,
      yMin: centreY - halfHeight,
      xMax: centreX + halfWidth,
      yMax: centreY + halfHeight,
      keypoints,
    })
  }
  return detections
}

function round2(value: number): number {
  return Math.round(value * 100) / 100
}

/** Maps a detection from normalised letterbox coordinates to pixels of the image, clipped to it. */
function toImagePixels(detection: Detection, placement: LetterboxPlacement, width: number, height: number): Face {
  const toX = (value: number) => (value * INPUT_SIZE - placement.offsetX) / placement.scale
  const toY = (value: number) => (value * INPUT_SIZE - placement.offsetY) / placement.scale
  const x0 = Math.max(0, toX(detection.xMin))
  const y0 = Math.max(0, toY(detection.yMin))
  const x1 = Math.min(width, toX(detection.xMax))
  const y1 = Math.min(height, toY(detection.yMax))
  return {
    score: Math.round(detection.score * 1e4) / 1e4,
    box: { x: round2(x0), y: round2(y0), width: round2(x1 - x0), height: round2(y1 - y0) },
    keypoints: FACE_KEYPOINTS.map((name, k) => ({
      name,
      x: round2(toX(detection.keypoints[2 * k]!)),
      y: round2(toY(detection.keypoints[2 * k + 1]!)),
    })),
  }
}

/**
 * Face detection with BlazeFace (short range). The image is decoded and
 * letterboxed to 128×128 in [-1, 1]. The model's 896 anchors are decoded, then
 * filtered by score and weighted non-maximum suppression. Boxes and the six
 * keypoints are mapped back to pixels of the image as displayed.
 */
export const facesFunction: EdgeFunction<FacesInput, FacesResponse> = {
  name: 'faces',
  model: FACES_MODEL,

  async run(input, { model: loadModel, timer }) {
    const image = await timer.measure('decode', () => decodeImage(input.bytes, input.mediaType, input.maxImagePixels))

    // BlazeFace takes values in [-1, 1].
    const { pixels, placement } = await timer.measure('preprocess', () =>
      letterbox(image, INPUT_SIZE, { gain: 2 / 255, bias: -1 }),
    )

    const model = await loadModel()
    const outputs = await model.run({ 'input:0': tensor('FP32', [1, INPUT_SIZE, INPUT_SIZE, 3], pixels) }, timer)

    const faces = await timer.measure('postprocess', () => {
      const scores = concat(outputs['Identity:0']!.data as Float32Array, outputs['Identity_1:0']!.data as Float32Array)
      const boxes = concat(outputs['Identity_2:0']!.data as Float32Array, outputs['Identity_3:0']!.data as Float32Array)
      const detections = decodeDetections(scores, boxes, input.params.minScore)
      return weightedNonMaxSuppression(detections, input.params.iouThreshold, input.params.maxFaces).map((detection) =>
        toImagePixels(detection, placement, image.width, image.height),
      )
    })

    const { name, version, sha256 } = model.entry
    return { width: image.width, height: image.height, faces, model: { name, version, sha256 } }
  },
}

function concat(first: Float32Array, second: Float32Array): Float32Array {
  const joined = new Float32Array(first.length + second.length)
  joined.set(first)
  joined.set(second, first.length)
  return joined
}

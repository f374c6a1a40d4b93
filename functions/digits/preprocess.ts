import { DIGIT_SIZE } from '../../schemas/digits.ts'
import type { RgbImage } from '../image/decode.ts'
import { resampleArea } from '../image/resample.ts'
import { InvalidInputError } from '../runtime/errors.ts'

/** MNIST scales each digit's bounding box to fit this many pixels, inside the 28×28 frame. */
const DIGIT_BOX = 20
/** Ink at this fraction of the strongest stroke or more counts for the bounding box. */
const INK_FRACTION = 0.25

/** Luminance of each pixel in [0, 1] (ITU-R BT.601 weights). */
function luminance(image: RgbImage): Float32Array {
  const gray = new Float32Array(image.width * image.height)
  for (let i = 0; i < gray.length; i++) {
    gray[i] = (0.299 * image.data[i * 3]! + 0.587 * image.data[i * 3 + 1]! + 0.114 * image.data[i * 3 + 2]!) / 255
  }
  return gray
}

/** Mean of the outermost rows and columns, taken as the paper's brightness. */
function borderMean(gray: Float32Array, width: number, height: number): number {
  let sum = 0
  let count = 0
  for (let x = 0; x < width; x++) {
    sum += gray[x]! + gray[(height - 1) * width + x]!
    count += 2
  }
  for (let y = 1; y < height - 1; y++) {
    sum += gray[y * width]! + gray[y * width + width - 1]!
    count += 2
  }
  return sum / count
}

/**
 * Turns a photo or scan of one digit into a 28×28 input laid out like the MNIST
 * digits, which LeCun, Cortes and Burges size-normalised to a 20×20 box (aspect
 * ratio kept) and centred by centre of mass in 28×28. The image becomes
 * grayscale with light ink on a dark background (inverted when the paper is the
 * lighter part), is cropped to the ink, scaled and placed that way.
 *
 * @throws {InvalidInputError} when the image has no ink that stands out from the paper.
 */
export function mnistPixels(image: RgbImage): Float32Array {
  const { width, height } = image
  const gray = luminance(image)

  // Ink is whatever differs from the paper, measured at the border.
  const paper = borderMean(gray, width, height)
  const ink = new Float32Array(gray.length)
  let strongest = 0
  for (let i = 0; i < gray.length; i++) {
    ink[i] = Math.max(0, paper > 0.5 ? paper - gray[i]! : gray[i]! - paper)
    strongest = Math.max(strongest, ink[i]!)
  }
  if (strongest < 0.1) {
    throw new InvalidInputError('no digit found in the image: no stroke stands out from the background', {
      field: 'body',
      accepted: 'an image of one handwritten digit, dark on light or light on dark',
    })
  }
  for (let i = 0; i < ink.length; i++) ink[i] = ink[i]! / strongest

  let left = width
  let right = -1
  let top = height
  let bottom = -1
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! < INK_FRACTION) continue
      left = Math.min(left, x)
      right = Math.max(right, x)
      top = Math.min(top, y)
      bottom = Math.max(bottom, y)
    }
  }
  const boxWidth = right - left + 1
  const boxHeight = bottom - top + 1

  const cropped = new Float32Array(boxWidth * boxHeight)
  for (let y = 0; y < boxHeight; y++) {
    for (let x = 0; x < boxWidth; x++) cropped[y * boxWidth + x] = ink[(top + y) * width + left + x]!
  }
  const scale = DIGIT_BOX / Math.max(boxWidth, boxHeight)
  const scaledWidth = Math.max(1, Math.round(boxWidth * scale))
  const scaledHeight = Math.max(1, Math.round(boxHeight * scale))
  const digit = resampleArea(cropped, boxWidth, boxHeight, 1, scaledWidth, scaledHeight)

  return centreByMass(digit, scaledWidth, scaledHeight)
}

/** Places a digit in the 28×28 frame with its centre of mass at the frame's centre. */
function centreByMass(digit: Float32Array, width: number, height: number): Float32Array {
  let mass = 0
  let sumX = 0
  let sumY = 0
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = digit[y * width + x]!
      mass += value
      sumX += value * x
      sumY += value * y
    }
  }
  const centre = (DIGIT_SIZE - 1) / 2
  const shiftX = Math.round(centre - sumX / mass)
  const shiftY = Math.round(centre - sumY / mass)

  const frame = new Float32Array(DIGIT_SIZE * DIGIT_SIZE)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const frameX = x + shiftX
      const frameY = y + shiftY
      if (frameX < 0 || frameY < 0 || frameX >= DIGIT_SIZE || frameY >= DIGIT_SIZE) continue
      frame[frameY * DIGIT_SIZE + frameX] = Math.min(1, digit[y * width + x]!)
    }
  }
  return frame
}

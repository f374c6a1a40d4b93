import { encode } from 'fast-png'

/** Encodes 8-bit grayscale pixels as a PNG, for tests that need an image made on the spot. */
export function encodePng(gray: Uint8Array, width: number, height: number): Uint8Array {
  return encode({ width, height, data: gray, channels: 1, depth: 8 })
}

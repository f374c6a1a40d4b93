/**
 * Writes WAV files for tests, independently of the decoder under test: the
 * encodings, channel counts and chunk orders the Worker must read.
 */

export interface WavOptions {
  sampleRateHz: number
  channels: number
  encoding: 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64'
  /** Writes WAVE_FORMAT_EXTENSIBLE instead of a plain format code. */
  extensible?: boolean
  /** Puts a LIST chunk before `fmt ` and a padded odd-sized chunk before `data`. */
  extraChunks?: boolean
  /** Overrides the format code, to produce encodings the decoder must reject. */
  formatCode?: number
}

const BITS = { pcm8: 8, pcm16: 16, pcm24: 24, pcm32: 32, float32: 32, float64: 64 } as const

function chunk(id: string, body: Uint8Array): Uint8Array {
  const padded = body.byteLength % 2 === 1 ? body.byteLength + 1 : body.byteLength
  const out = new Uint8Array(8 + padded)
  const view = new DataView(out.buffer)
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i)
  view.setUint32(4, body.byteLength, true)
  out.set(body, 8)
  return out
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

/** Encodes `channelSamples` (one Float32Array per channel, in [-1, 1]) as a WAV file. */
export function encodeWav(channelSamples: Float32Array[], options: WavOptions): Uint8Array {
  const bits = BITS[options.encoding]
  const bytesPerSample = bits / 8
  const float = options.encoding.startsWith('float')
  const frames = channelSamples[0]!.length
  const blockAlign = bytesPerSample * options.channels

  const data = new Uint8Array(frames * blockAlign)
  const view = new DataView(data.buffer)
  for (let frame = 0; frame < frames; frame++) {
    for (let channel = 0; channel < options.channels; channel++) {
      const value = Math.max(-1, Math.min(1, channelSamples[channel]![frame]!))
      const offset = frame * blockAlign + channel * bytesPerSample
      if (options.encoding === 'float32') view.setFloat32(offset, value, true)
      else if (options.encoding === 'float64') view.setFloat64(offset, value, true)
      else if (options.encoding === 'pcm8') view.setUint8(offset, Math.round(value * 127) + 128)
      else if (options.encoding === 'pcm16') view.setInt16(offset, Math.round(value * 32767), true)
      else if (options.encoding === 'pcm32') view.setInt32(offset, Math.round(value * 2147483647), true)
      else {
        const integer = Math.round(value * 8388607)
        view.setUint8(offset, integer & 0xff)
        view.setUint8(offset + 1, (integer >> 8) & 0xff)
        view.setInt8(offset + 2, integer >> 16)
      }
    }
  }

  const code = options.formatCode ?? (float ? 3 : 1)
  const fmt = new Uint8Array(options.extensible ? 40 : 16)
  const fmtView = new DataView(fmt.buffer)
  fmtView.setUint16(0, options.extensible ? 0xfffe : code, true)
  fmtView.setUint16(2, options.channels, true)
  fmtView.setUint32(4, options.sampleRateHz, true)
  fmtView.setUint32(8, options.sampleRateHz * blockAlign, true)
  fmtView.setUint16(12, blockAlign, true)
  fmtView.setUint16(14, bits, true)
  if (options.extensible) {
    fmtView.setUint16(16, 22, true)
    fmtView.setUint16(18, bits, true)
    fmtView.setUint32(20, options.channels === 2 ? 0x3 : 0x4, true)
    // Subformat GUID: the format code, then 0000-0010-8000-00aa00389b71.
    fmtView.setUint32(24, code, true)
    fmt.set([0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 28)
  }

  const chunks: Uint8Array[] = []
  if (options.extraChunks)
    chunks.push(chunk('LIST', new TextEncoder().encode('INFOISFT\u0005\u0000\u0000\u0000test\u0000')))
  chunks.push(chunk('fmt ', fmt))
  if (options.extraChunks) chunks.push(chunk('junk', new Uint8Array(7)))
  chunks.push(chunk('data', data))

  const body = concat([new TextEncoder().encode('WAVE'), ...chunks])
  const header = new Uint8Array(8)
  header.set([0x52, 0x49, 0x46, 0x46])
  new DataView(header.buffer).setUint32(4, body.byteLength, true)
  return concat([header, body])
}

/** Reads the samples of a 16-bit PCM mono WAV with a canonical 44-byte header. */
export function readCanonicalPcm16(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + 44, bytes.byteLength - 44)
  const samples = new Float32Array(view.byteLength / 2)
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true) / 32768
  return samples
}

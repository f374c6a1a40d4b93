import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { modelPath, readManifest, sha256Hex } from '../../scripts/lib/models.ts'
import { PARITY_TOLERANCE, SOURCE_MODEL, deriveClipModels, type DerivedModel } from '../../scripts/silero/derive.ts'

const manifest = readManifest()
let derived: DerivedModel[]

beforeAll(async () => {
  const sourceEntry = manifest.models.find((model) => model.name === SOURCE_MODEL)!
  derived = await deriveClipModels(new Uint8Array(readFileSync(modelPath(sourceEntry))), sourceEntry)
})

describe('whole-clip Silero models', () => {
  it('stays within the parity tolerance', () => {
    expect(derived.map(({ window }) => window.rateHz)).toEqual([16_000, 8_000])
    for (const { parity } of derived) {
      expect(parity.frames).toBeGreaterThan(300)
      expect(parity.probability).toBeLessThanOrEqual(PARITY_TOLERANCE)
      expect(parity.state).toBeLessThanOrEqual(PARITY_TOLERANCE)
    }
  })

  it('matches the committed files', () => {
    for (const { file, bytes, entry } of derived) {
      expect(entry.sha256).toBe(sha256Hex(bytes))
      expect(manifest.models.find((model) => model.name === entry.name)).toEqual(entry)
      expect(sha256Hex(readFileSync(`models/${file}`))).toBe(entry.sha256)
    }
  })
})

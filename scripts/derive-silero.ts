/**
 * `npm run derive-silero`: derives the whole-clip Silero VAD models that
 * /v1/vad runs from the published model in models/, and records them in
 * models/manifest.json. The rewrite is described in scripts/silero/clip-graph.ts.
 * The script exits with 1 and writes nothing if a derived model's probabilities
 * or final state differ from the published model's by more than PARITY_TOLERANCE.
 */
import { readFileSync } from 'node:fs'
import { MODELS_DIR, modelPath, readManifest, saveModel, sha256Hex } from './lib/models.ts'
import { PARITY_TOLERANCE, SOURCE_MODEL, deriveClipModels } from './silero/derive.ts'

const manifest = readManifest()
const sourceEntry = manifest.models.find((model) => model.name === SOURCE_MODEL)
if (!sourceEntry) throw new Error(`models/manifest.json has no "${SOURCE_MODEL}" entry to derive from`)
const source = new Uint8Array(readFileSync(modelPath(sourceEntry)))
if (sha256Hex(source) !== sourceEntry.sha256) throw new Error(`${modelPath(sourceEntry)} does not match its SHA-256`)

const derived = await deriveClipModels(source, sourceEntry)
for (const { entry, parity } of derived) {
  console.log(
    `${entry.name}: over ${parity.frames} frames of speech, the largest difference from the published model ` +
      `is ${parity.probability.toExponential(2)} in a probability and ${parity.state.toExponential(2)} in the final state`,
  )
}
if (derived.some(({ parity }) => Math.max(parity.probability, parity.state) > PARITY_TOLERANCE)) {
  console.error(`parity check failed: a difference exceeds ${PARITY_TOLERANCE}; nothing was written`)
  process.exit(1)
}
for (const { file, bytes, entry } of derived) {
  const saved = saveModel(MODELS_DIR, file, bytes, entry)
  console.log(`wrote ${saved.modelPath} (${bytes.byteLength} bytes) and its entry in ${saved.manifestPath}`)
}

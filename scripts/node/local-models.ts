import { ModelRegistry } from '../../functions/runtime/registry.ts'
import { MANIFEST_PATH, modelPath, readManifest } from '../lib/models.ts'
import { FileModelStore } from './file-store.ts'
import { OrtNodeBackend } from './ort-node-backend.ts'

/** Key of the manifest in the local store, as in the bucket (the MANIFEST_KEY default). */
export const LOCAL_MANIFEST_KEY = 'manifest.json'

/** Builds a store that serves the files under models/ at the object keys the manifest gives them. */
export function localModelStore(): FileModelStore {
  const files = new Map(readManifest().models.map((model) => [model.key, modelPath(model)]))
  return new FileModelStore('.', new Map([...files, [LOCAL_MANIFEST_KEY, MANIFEST_PATH]]))
}

/** Builds a registry over models/ with `backend` (onnxruntime-node on one intra-op thread by default). */
export function localRegistry(backend = new OrtNodeBackend({ intraOpNumThreads: 1 })): ModelRegistry {
  return new ModelRegistry({ store: localModelStore(), backend, manifestKey: LOCAL_MANIFEST_KEY })
}

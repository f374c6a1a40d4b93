/**
 * `npm run check-providers`: lists the execution providers that this build of
 * onnxruntime-node contains, then loads and runs the digits model on each of
 * CUDA, WebGPU and the CPU, and prints which work here and why the others fail.
 */
import * as ort from 'onnxruntime-node'
import { AUTO_ORDER, probeProvider, readProbeModel } from './batch/device.ts'

const bundled = ort
  .listSupportedBackends()
  .map((backend) => `${backend.name}${backend.bundled ? '' : ' (not bundled)'}`)
console.log(`onnxruntime-node ${ort.env.versions.common}, backends: ${bundled.join(', ')}`)

const model = readProbeModel()
let working = 0
for (const provider of AUTO_ORDER) {
  const probe = await probeProvider(provider, model)
  if (probe.ok) working++
  console.log(`${provider.padEnd(7)} ${probe.ok ? 'ok' : `failed: ${probe.reason}`}`)
}
process.exitCode = working > 0 ? 0 : 1

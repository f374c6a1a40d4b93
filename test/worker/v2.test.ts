import { beforeAll, describe, expect, inject, it } from 'vitest'
import type { InferResponse, ModelMetadata } from '../../schemas/v2.ts'
import type {} from '../provided.ts'
import { authorized, freshWorker, manifest, type ProblemBody, workerFetch } from './helpers.ts'

/** Largest absolute difference allowed between onnxruntime-web and onnxruntime-node outputs. */
const OUTPUT_TOLERANCE = 1e-5

beforeAll(freshWorker)

function infer(body: unknown, model = 'silero-vad'): Promise<Response> {
  return workerFetch(`/v2/models/${model}/infer`, {
    method: 'POST',
    headers: authorized({ 'Content-Type': 'application/json' }),
    body: JSON.stringify(body),
  })
}

function maxAbsDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let max = 0
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i]! - expected[i]!))
  return max
}

const referenceCases = inject('sileroReference')
const speechCase = referenceCases[0]!

describe('v2 health and metadata', () => {
  it('reports live without a token', async () => {
    const response = await workerFetch('/v2/health/live')
    expect(response.status).toBe(200)
  })

  it('reports ready without a token', async () => {
    expect((await workerFetch('/v2/health/ready')).status).toBe(200)
  })

  it('describes the server', async () => {
    const body = (await (await workerFetch('/v2')).json()) as { name: string; extensions: string[] }
    expect(body.name).toBe('onnx-edge')
  })

  it('describes a model from the manifest', async () => {
    const response = await workerFetch('/v2/models/silero-vad', { headers: authorized() })
    const entry = manifest().models.find((model) => model.name === 'silero-vad')!
    expect(response.status).toBe(200)
    expect((await response.json()) as ModelMetadata).toEqual({
      name: 'silero-vad',
      versions: [entry.version],
      platform: 'onnxruntime_onnx',
      inputs: entry.inputs,
      outputs: entry.outputs,
    })
  })

  it('reports a model ready after loading it', async () => {
    const response = await workerFetch('/v2/models/silero-vad/ready', { headers: authorized() })
    expect(response.status).toBe(200)
  })

  it('requires a token for model metadata', async () => {
    expect((await workerFetch('/v2/models/silero-vad')).status).toBe(401)
  })
})

describe('v2 infer against onnxruntime-node', () => {
  for (const reference of referenceCases) {
    it(`matches on ${reference.name}`, async () => {
      const response = await infer({ id: 'case-1', inputs: reference.inputs })
      expect(response.status).toBe(200)
      const body = (await response.json()) as InferResponse

      expect(body.model_name).toBe('silero-vad')
      expect(body.id).toBe('case-1')
      expect(body.outputs.map((output) => output.name).sort()).toEqual(Object.keys(reference.outputs).sort())
      for (const output of body.outputs) {
        const expected = reference.outputs[output.name]!
        expect(output.datatype).toBe('FP32')
        expect(output.shape).toEqual(expected.shape)
        expect(output.data).toHaveLength(expected.data.length)
        expect(maxAbsDifference(output.data as number[], expected.data)).toBeLessThanOrEqual(OUTPUT_TOLERANCE)
      }
    })
  }

  for (const [model, reference] of Object.entries(inject('sileroClipReference'))) {
    it(`runs ${model} on ${reference.name} as the published model does frame by frame`, async () => {
      const response = await infer({ inputs: reference.inputs }, model)
      expect(response.status).toBe(200)
      const outputs = ((await response.json()) as InferResponse).outputs
      for (const [name, expected] of Object.entries(reference.outputs)) {
        const output = outputs.find((tensor) => tensor.name === name)!
        expect(output.shape).toEqual(expected.shape)
        // The recurrent state grows beyond 1 in places, so its error is taken relative to its size.
        const scale = Math.max(1, ...expected.data.map(Math.abs))
        expect(maxAbsDifference(output.data as number[], expected.data) / scale).toBeLessThanOrEqual(OUTPUT_TOLERANCE)
      }
    })
  }

  it('accepts nested row-major data', async () => {
    const [input, state, sr] = speechCase.inputs
    const nest = (data: number[], rows: number) =>
      Array.from({ length: rows }, (_, row) => data.slice((row * data.length) / rows, ((row + 1) * data.length) / rows))
    const nestedState = nest(state!.data, 2).map((plane) => nest(plane, 1))
    const response = await infer({
      inputs: [{ ...input, data: nest(input!.data, 1) }, { ...state, data: nestedState }, sr],
    })
    const body = (await response.json()) as InferResponse
    const output = body.outputs.find((tensor) => tensor.name === 'output')!
    expect(maxAbsDifference(output.data as number[], speechCase.outputs.output!.data)).toBeLessThanOrEqual(
      OUTPUT_TOLERANCE,
    )
  })

  it('accepts a body without Content-Type, as Triton clients send it', async () => {
    const response = await workerFetch('/v2/models/silero-vad/infer', {
      method: 'POST',
      headers: authorized(),
      body: new TextEncoder().encode(JSON.stringify({ inputs: speechCase.inputs })),
    })
    expect(response.status).toBe(200)
  })

  it('rejects binary tensor data', async () => {
    const response = await workerFetch('/v2/models/silero-vad/infer', {
      method: 'POST',
      headers: authorized({ 'Inference-Header-Content-Length': '120', 'Content-Type': 'application/octet-stream' }),
      body: new Uint8Array(200),
    })
    expect(response.status).toBe(415)
  })

  it('returns only the requested outputs', async () => {
    const response = await infer({ inputs: speechCase.inputs, outputs: [{ name: 'output' }] })
    const body = (await response.json()) as InferResponse
    expect(body.outputs.map((output) => output.name)).toEqual(['output'])
  })
})

describe('v2 infer validation', () => {
  async function expectInvalid(body: unknown, field: string): Promise<ProblemBody> {
    const response = await infer(body)
    expect(response.status).toBe(400)
    const problem = (await response.json()) as ProblemBody
    expect(problem.field).toBe(field)
    return problem
  }

  const [input, state, sr] = speechCase.inputs

  it('rejects a wrong datatype', async () => {
    const problem = await expectInvalid(
      { inputs: [input, state, { ...sr, datatype: 'INT32' }] },
      'body.inputs.2.datatype',
    )
    expect(problem.accepted).toBe('INT64 []')
  })

  it('rejects a wrong rank', async () => {
    await expectInvalid({ inputs: [{ ...input, shape: [576] }, state, sr] }, 'body.inputs.0.shape')
  })

  it('rejects a fixed dimension that differs', async () => {
    const wrongState = { ...state, shape: [2, 2, 64] }
    const problem = await expectInvalid({ inputs: [input, wrongState, sr] }, 'body.inputs.1.shape')
    expect(problem.accepted).toBe('FP32 [2, -1, 128]')
  })

  it('rejects an element count that does not match the shape', async () => {
    await expectInvalid({ inputs: [{ ...input, data: input!.data.slice(1) }, state, sr] }, 'body.inputs.0.data')
  })

  it('rejects a missing input', async () => {
    await expectInvalid({ inputs: [input, state] }, 'body.inputs[name=sr]')
  })

  it('rejects an unknown input', async () => {
    await expectInvalid(
      { inputs: [input, state, sr, { name: 'extra', shape: [1], datatype: 'FP32', data: [1] }] },
      'body.inputs.3',
    )
  })

  it('rejects a non-integer INT64 element', async () => {
    await expectInvalid({ inputs: [input, state, { ...sr, data: [16000.5] }] }, 'body.inputs.2.data.0')
  })

  it('rejects an unsupported datatype name', async () => {
    await expectInvalid({ inputs: [input, state, { ...sr, datatype: 'FP16' }] }, 'body.inputs.2.datatype')
  })

  it('rejects an unknown output', async () => {
    await expectInvalid({ inputs: speechCase.inputs, outputs: [{ name: 'logits' }] }, 'body.outputs.0.name')
  })

  it('rejects a request without inputs', async () => {
    await expectInvalid({ inputs: [] }, 'body.inputs')
  })
})

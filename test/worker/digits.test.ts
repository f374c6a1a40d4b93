import { beforeAll, describe, expect, inject, it } from 'vitest'
import type { DigitsResponse } from '../../schemas/digits.ts'
import type {} from '../provided.ts'
import { authorized, dataFile, freshWorker, type ProblemBody, workerFetch } from './helpers.ts'
import { encodePng } from './png.ts'

/** Allowed difference between the Worker's and onnxruntime-node's probabilities. */
const PROBABILITY_TOLERANCE = 1e-5

const SAMPLE = JSON.parse(new TextDecoder().decode(dataFile('digits-sample.json'))) as {
  digits: Array<{ label: number; pixels: number[] }>
}

beforeAll(freshWorker)

function postDigit(body: Uint8Array | string, contentType: string): Promise<Response> {
  return workerFetch('/v1/digits', { method: 'POST', headers: authorized({ 'Content-Type': contentType }), body })
}

async function classify(body: Uint8Array | string, contentType: string): Promise<DigitsResponse> {
  const response = await postDigit(body, contentType)
  expect(response.status).toBe(200)
  return (await response.json()) as DigitsResponse
}

describe('POST /v1/digits with images', () => {
  for (let label = 0; label <= 9; label++) {
    it(`reads digit-${label}.png`, async () => {
      const result = await classify(dataFile(`digit-${label}.png`), 'image/png')
      expect(result.digit).toBe(label)
      expect(result.probabilities.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 5)
    })
  }

  const variants: Array<[string, number]> = [
    ['images/digit7-large.png', 7],
    ['images/digit7-dark-on-light.png', 7],
    ['images/digit7-offcentre.png', 7],
    ['images/digit3-dark-on-light.jpg', 3],
  ]
  for (const [file, label] of variants) {
    it(`reads ${file}`, async () => {
      const result = await classify(dataFile(file), file.endsWith('.png') ? 'image/png' : 'image/jpeg')
      expect(result.digit).toBe(label)
    })
  }
})

describe('POST /v1/digits with JSON pixels', () => {
  it('classifies every sample digit', async () => {
    for (const digit of SAMPLE.digits) {
      const result = await classify(JSON.stringify({ pixels: digit.pixels }), 'application/json')
      expect(result.digit).toBe(digit.label)
    }
  })

  it('matches onnxruntime-node', async () => {
    const references = inject('digitReference')
    for (const [index, digit] of SAMPLE.digits.entries()) {
      const result = await classify(JSON.stringify({ pixels: digit.pixels }), 'application/json')
      references[index]!.forEach((expected, k) => {
        expect(Math.abs(result.probabilities[k]! - expected)).toBeLessThanOrEqual(PROBABILITY_TOLERANCE)
      })
    }
  })
})

describe('POST /v1/digits errors', () => {
  async function expectProblem(response: Response, status: number, field: string): Promise<ProblemBody> {
    expect(response.status).toBe(status)
    const problem = (await response.json()) as ProblemBody
    expect(problem.field).toBe(field)
    return problem
  }

  it('rejects too few pixels', async () => {
    const problem = await expectProblem(
      await postDigit(JSON.stringify({ pixels: [0, 1] }), 'application/json'),
      400,
      'body.pixels',
    )
    expect(problem.detail).toContain('784')
  })

  it('rejects a pixel above 1', async () => {
    const pixels = new Array(784).fill(0)
    pixels[10] = 255
    await expectProblem(await postDigit(JSON.stringify({ pixels }), 'application/json'), 400, 'body.pixels.10')
  })

  it('rejects a blank image', async () => {
    const blank = encodePng(new Uint8Array(40 * 30).fill(255), 40, 30)
    const problem = await expectProblem(await postDigit(blank, 'image/png'), 400, 'body')
    expect(problem.detail).toContain('no digit')
  })

  it('rejects a query parameter', async () => {
    const response = await workerFetch('/v1/digits?top=3', {
      method: 'POST',
      headers: authorized({ 'Content-Type': 'image/png' }),
      body: dataFile('digit-1.png'),
    })
    expect(response.status).toBe(400)
  })
})

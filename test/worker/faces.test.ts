import { beforeAll, describe, expect, inject, it } from 'vitest'
import type { FacesResponse } from '../../schemas/faces.ts'
import type {} from '../provided.ts'
import { authorized, dataFile, freshWorker, type ProblemBody, workerFetch } from './helpers.ts'

/** Ground truth of the test photo: the face box, corners inclusive, and the eyes. */
const TRUTH = JSON.parse(new TextDecoder().decode(dataFile('ground-truth.json'))) as {
  faces: Record<string, { boxes_xyxy_px: number[][]; keypoints_px: Array<Record<string, [number, number]>> }>
}
const FACE_BOX = TRUTH.faces['face-one.png']!.boxes_xyxy_px[0]! as [number, number, number, number]
const FACE_SIZE = FACE_BOX[2] - FACE_BOX[0]
/** Allowed distance of each box edge and keypoint from the ground truth: 10% of the face's size. */
const TOLERANCE_PX = 0.1 * FACE_SIZE
/** Allowed distance between the Worker's and onnxruntime-node's coordinates. */
const REFERENCE_TOLERANCE_PX = 0.05

beforeAll(freshWorker)

function postImage(file: string, query = '', contentType = file.endsWith('.png') ? 'image/png' : 'image/jpeg') {
  return workerFetch(`/v1/faces${query}`, {
    method: 'POST',
    headers: authorized({ 'Content-Type': contentType }),
    body: dataFile(file),
  })
}

async function detect(file: string, query = ''): Promise<FacesResponse> {
  const response = await postImage(file, query)
  expect(response.status).toBe(200)
  return (await response.json()) as FacesResponse
}

function expectTruthBox(result: FacesResponse): void {
  expect(result.faces).toHaveLength(1)
  const { box } = result.faces[0]!
  expect(Math.abs(box.x - FACE_BOX[0])).toBeLessThanOrEqual(TOLERANCE_PX)
  expect(Math.abs(box.y - FACE_BOX[1])).toBeLessThanOrEqual(TOLERANCE_PX)
  expect(Math.abs(box.x + box.width - FACE_BOX[2])).toBeLessThanOrEqual(TOLERANCE_PX)
  expect(Math.abs(box.y + box.height - FACE_BOX[3])).toBeLessThanOrEqual(TOLERANCE_PX)
}

describe('POST /v1/faces on the test photos', () => {
  for (const file of ['face-one.png', 'face-one.jpg']) {
    it(`finds the face in ${file}`, async () => {
      const result = await detect(file)
      expect(result.width).toBe(256)
      expect(result.height).toBe(256)
      expectTruthBox(result)

      const eyes = TRUTH.faces[file]!.keypoints_px[0]!
      const keypoints = Object.fromEntries(result.faces[0]!.keypoints.map((point) => [point.name, point]))
      for (const [name, truthName] of [
        ['rightEye', 'right_eye'],
        ['leftEye', 'left_eye'],
        ['noseTip', 'nose'],
        ['mouth', 'mouth'],
      ] as const) {
        expect(Math.abs(keypoints[name]!.x - eyes[truthName]![0])).toBeLessThanOrEqual(TOLERANCE_PX)
        expect(Math.abs(keypoints[name]!.y - eyes[truthName]![1])).toBeLessThanOrEqual(TOLERANCE_PX)
      }
    })
  }

  it('finds no face in no-face.png', async () => {
    const result = await detect('no-face.png')
    expect(result.width).toBe(300)
    expect(result.height).toBe(200)
    expect(result.faces).toEqual([])
  })

  for (const file of ['face-one.png', 'face-one.jpg', 'no-face.png']) {
    it(`matches onnxruntime-node on ${file}`, async () => {
      const reference = inject('faceReference')[file]!
      const result = await detect(file, '?minScore=0.1')
      expect(result.faces).toHaveLength(reference.faces.length)
      result.faces.forEach((face, i) => {
        const expected = reference.faces[i]!
        expect(Math.abs(face.score - expected.score)).toBeLessThanOrEqual(1e-3)
        for (const key of ['x', 'y', 'width', 'height'] as const) {
          expect(Math.abs(face.box[key] - expected.box[key])).toBeLessThanOrEqual(REFERENCE_TOLERANCE_PX)
        }
        face.keypoints.forEach((point, k) => {
          expect(Math.abs(point.x - expected.keypoints[k]!.x)).toBeLessThanOrEqual(REFERENCE_TOLERANCE_PX)
          expect(Math.abs(point.y - expected.keypoints[k]!.y)).toBeLessThanOrEqual(REFERENCE_TOLERANCE_PX)
        })
      })
    })
  }
})

describe('POST /v1/faces image formats', () => {
  // The same 256×200 crop of the test photo in every layout the decoder reads.
  const variants = [
    'face-crop.png',
    'face-rgb16.png',
    'face-gray8.png',
    'face-gray16.png',
    'face-graya8.png',
    'face-rgba8.png',
    'face-rgba16.png',
    'face-palette.png',
    'face-palette-alpha.png',
    'face-baseline.jpg',
    'face-progressive.jpg',
    'face-gray.jpg',
    'face-cmyk.jpg',
    'face-orient2.jpg',
    'face-orient3.jpg',
    'face-orient6.jpg',
    'face-orient8.jpg',
  ]

  for (const name of variants) {
    it(`reads ${name}`, async () => {
      const result = await detect(`images/${name}`)
      expect(result.width).toBe(256)
      expect(result.height).toBe(200)
      expectTruthBox(result)
    })
  }
})

describe('POST /v1/faces parameters', () => {
  it('drops faces below minScore', async () => {
    expect((await detect('face-one.png', '?minScore=0.99')).faces).toEqual([])
  })

  it('reports at most maxFaces', async () => {
    const all = await detect('face-one.png', '?minScore=0.15')
    expect(all.faces.length).toBeGreaterThan(1)
    const limited = await detect('face-one.png', '?minScore=0.15&maxFaces=1')
    expect(limited.faces).toEqual([all.faces[0]])
  })
})

describe('POST /v1/faces errors', () => {
  async function expectProblem(response: Response, status: number): Promise<ProblemBody> {
    expect(response.status).toBe(status)
    expect(response.headers.get('Content-Type')).toBe('application/problem+json')
    return (await response.json()) as ProblemBody
  }

  it('rejects a decompression bomb before decoding', async () => {
    const problem = await expectProblem(await postImage('images/bomb.png'), 413)
    expect(problem.detail).toContain('12000×12000')
    expect(problem.accepted).toContain('12000000')
  })

  for (const name of ['truncated.jpg', 'truncated.png', 'garbage.png']) {
    it(`rejects ${name}`, async () => {
      const problem = await expectProblem(await postImage(`images/${name}`), 400)
      expect(problem.field).toBe('body')
    })
  }

  it('rejects bytes that are not an image', async () => {
    await expectProblem(await postImage('ground-truth.json', '', 'image/png'), 400)
  })

  it('rejects a PNG sent as JPEG', async () => {
    const problem = await expectProblem(await postImage('face-one.png', '', 'image/jpeg'), 415)
    expect(problem.field).toBe('headers.content-type')
  })

  it('rejects an unsupported content type', async () => {
    const problem = await expectProblem(await postImage('face-one.png', '', 'image/gif'), 415)
    expect(problem.accepted).toContain('image/png')
  })

  it('rejects an invalid parameter', async () => {
    const problem = await expectProblem(await postImage('face-one.png', '?maxFaces=0'), 400)
    expect(problem.field).toBe('query.maxFaces')
  })
})

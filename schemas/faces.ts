import { z } from 'zod'
import { modelRefSchema } from './vad.ts'

/** Query parameters of `POST /v1/faces`. */
export const faceParametersSchema = z.object({
  minScore: z.coerce.number().min(0).max(1).default(0.5).describe('lowest face score reported'),
  maxFaces: z.coerce.number().int().min(1).max(100).default(10).describe('most faces reported, highest scores first'),
  iouThreshold: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.3)
    .describe('overlap (intersection over union) above which detections merge into one face'),
})
export type FaceParameters = z.infer<typeof faceParametersSchema>

/** Names of BlazeFace's six keypoints, in model order; "right" is the subject's right. */
export const FACE_KEYPOINTS = ['rightEye', 'leftEye', 'noseTip', 'mouth', 'rightEarTragion', 'leftEarTragion'] as const

const pointSchema = z.object({ x: z.number(), y: z.number() })

/** One detected face, in pixels of the image as displayed. */
export const faceSchema = z.object({
  score: z.number(),
  box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }),
  keypoints: z.array(pointSchema.extend({ name: z.enum(FACE_KEYPOINTS) })),
})
export type Face = z.infer<typeof faceSchema>

/** Response of `POST /v1/faces`. */
export const facesResponseSchema = z.object({
  width: z.number().int(),
  height: z.number().int(),
  faces: z.array(faceSchema),
  model: modelRefSchema,
})
export type FacesResponse = z.infer<typeof facesResponseSchema>

import { z } from 'zod'

/** One invalid field of a request. */
export const invalidParamSchema = z.object({
  name: z.string().describe('path of the field, such as "query.threshold" or "body.inputs.2.datatype"'),
  reason: z.string(),
})

/**
 * An error response (RFC 9457 problem details). `error` repeats `detail` because
 * Open Inference Protocol clients (Triton's and KServe's) read that member.
 */
export const problemSchema = z.object({
  type: z.string().describe('URI of the problem kind, such as urn:onnx-edge:problem:invalid-request'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().describe('what was wrong, quoting the bad value'),
  instance: z.string().describe('path of the request'),
  requestId: z.string().optional(),
  field: z.string().optional().describe('the invalid field, when there is one'),
  accepted: z.string().optional().describe('what the field or route accepts'),
  'invalid-params': z.array(invalidParamSchema).optional(),
  error: z.string(),
})
export type Problem = z.infer<typeof problemSchema>

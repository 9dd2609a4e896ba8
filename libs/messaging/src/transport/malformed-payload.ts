import type { OssaError } from '@ossa/contracts';

/**
 * Stands in for a body the transport could not decode (too large, not JSON, not an object), so the refusal
 * travels through the same pipe and filter, and the same metrics, as every other bad request.
 */
export class MalformedPayload {
  constructor(readonly error: OssaError) {}
}

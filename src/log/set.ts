/**
 * Rekor Signed Entry Timestamps (rekor-v1.md §4): an Ed25519 signature by the
 * log key over the RFC 8785 canonical JSON of
 * `{body, integratedTime, logID, logIndex}` (body standard base64, time in
 * Unix seconds, logIndex the global index).
 */

/**
 * The exact bytes a SET signs. All values are base64, lowercase hex or
 * non-negative integers, so this literal already is RFC 8785 canonical JSON
 * (keys sorted, no whitespace, no escapes needed).
 */
export function setPayload(body: Uint8Array, integratedTime: number, logId: string, logIndex: number): Buffer {
  const b64 = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
  return Buffer.from(`{"body":"${b64}","integratedTime":${integratedTime},"logID":"${logId}","logIndex":${logIndex}}`);
}

/**
 * What valthree reads from an AWS SDK v3 service error (S3, Lambda), and the
 * one way it describes one in a log line or a failure reply. Kept apart so
 * the S3 store and the proxy's Lambda executor say the same thing the same way.
 */

/** The fields of an SDK error valthree decides on; anything thrown may lack any of them. */
export interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/** "NoSuchBucket (HTTP 404): The specified bucket does not exist": name, status when known, message unless it only repeats the name. */
export function describeSdkError(err: SdkError): string {
  const status = err.$metadata?.httpStatusCode;
  return `${err.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}${err.message && err.message !== err.name ? `: ${err.message}` : ''}`;
}

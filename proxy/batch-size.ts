/**
 * What a command weighs against one request to the handler: its bytes as the
 * wire carries them (base64 plus JSON quoting), whatever executor runs it, so
 * that a batch the in-process handler takes would also fit one Lambda payload.
 */
export function encodedSize(argv: Buffer[]): number {
  let n = 4;
  for (const a of argv) n += Math.ceil(a.length / 3) * 4 + 3;
  return n;
}

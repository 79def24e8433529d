/**
 * HTTP plumbing shared by the emulator's S3 and Lambda parts: request bodies
 * (raw or aws-chunked with trailers), checksums, request ids, XML errors,
 * and timers that die with the emulator.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

export function md5Hex(b: Buffer): string {
  return createHash('md5').update(b).digest('hex');
}

export function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

/**
 * Reads the whole body (Node sends `100 Continue` by itself when asked to).
 * Past the limit it keeps draining, so that the error can still be answered
 * on the same connection, then throws `tooLarge`.
 */
export async function readRaw(req: IncomingMessage, limit: number, tooLarge?: () => HttpError): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n <= limit) chunks.push(c);
  }
  if (n > limit) throw tooLarge?.() ?? new HttpError(400, 'EntityTooLarge', `Your proposed upload exceeds the maximum allowed size (${limit} bytes in this emulator).`);
  return Buffer.concat(chunks);
}

/**
 * The object bytes of a PutObject: raw, or aws-chunked (what the SDK sends for
 * stream bodies: `hex-size[;chunk-signature=…]\r\n data \r\n … 0\r\n trailers \r\n\r\n`).
 * Checksums the SDK sent (header or trailer) are verified, as S3 does.
 */
export async function readObjectBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const raw = await readRaw(req, limit);
  const encodings = String(req.headers['content-encoding'] ?? '').split(',').map((s) => s.trim());
  const trailers: Record<string, string> = {};
  let body = raw;
  if (encodings.includes('aws-chunked')) {
    body = decodeAwsChunked(raw, trailers);
    const declared = req.headers['x-amz-decoded-content-length'];
    if (declared !== undefined && Number(declared) !== body.length) {
      throw new HttpError(400, 'IncompleteBody', `x-amz-decoded-content-length says ${declared} bytes, the chunks carry ${body.length}`);
    }
  } else if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    throw new HttpError(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
  }
  verifyChecksums(body, { ...flatHeaders(req), ...trailers });
  return body;
}

export function decodeAwsChunked(raw: Buffer, trailers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  const line = (): string => {
    const end = raw.indexOf('\r\n', pos);
    if (end < 0) throw new HttpError(400, 'IncompleteBody', 'aws-chunked body ends inside a chunk header');
    const s = raw.subarray(pos, end).toString('latin1');
    pos = end + 2;
    return s;
  };
  for (;;) {
    const header = line();
    const size = parseInt(header.split(';')[0], 16);
    if (!Number.isFinite(size) || size < 0 || !/^[0-9a-fA-F]+$/.test(header.split(';')[0])) {
      throw new HttpError(400, 'InvalidChunkSizeError', `bad aws-chunked chunk header ${JSON.stringify(header.slice(0, 40))}`);
    }
    if (size === 0) break;
    if (pos + size + 2 > raw.length) throw new HttpError(400, 'IncompleteBody', 'aws-chunked body ends inside a chunk');
    parts.push(raw.subarray(pos, pos + size));
    pos += size;
    if (raw.subarray(pos, pos + 2).toString('latin1') !== '\r\n') throw new HttpError(400, 'IncompleteBody', 'aws-chunked chunk not followed by CRLF');
    pos += 2;
  }
  // Trailers: "name:value" lines up to an empty line (or the end).
  while (pos < raw.length) {
    const l = line();
    if (l === '') break;
    const i = l.indexOf(':');
    if (i > 0) trailers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return Buffer.concat(parts);
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') out[k] = v;
  return out;
}

function verifyChecksums(body: Buffer, h: Record<string, string>): void {
  const check = (name: string, actual: () => string): void => {
    const expected = h[name];
    if (expected !== undefined && expected !== actual()) {
      throw new HttpError(400, 'BadDigest', `The ${name} you specified did not match the calculated checksum.`);
    }
  };
  check('content-md5', () => createHash('md5').update(body).digest('base64'));
  check('x-amz-checksum-crc32', () => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(crc32(body) >>> 0);
    return b.toString('base64');
  });
  check('x-amz-checksum-sha1', () => createHash('sha1').update(body).digest('base64'));
  check('x-amz-checksum-sha256', () => createHash('sha256').update(body).digest('base64'));
}

/** S3's error body. HEAD responses carry none (the SDK then reports NotFound/Unknown by status). */
export function sendS3Error(req: IncomingMessage, res: ServerResponse, err: HttpError, resource: string): number {
  if (res.headersSent || res.destroyed) return 0;
  res.statusCode = err.status;
  if (req.method === 'HEAD' || err.status === 304) {
    res.end();
    return 0;
  }
  const id = String(res.getHeader('x-amz-request-id') ?? '');
  const body = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message>` +
      `<Resource>${xmlEscape(resource)}</Resource><RequestId>${id}</RequestId></Error>`,
  );
  res.setHeader('content-type', 'application/xml');
  res.setHeader('content-length', body.length);
  res.end(body);
  return body.length;
}

/**
 * setTimeout that the emulator can cancel all at once on close(), so that no
 * injected delay or hang keeps a test process alive.
 */
export class Timers {
  private readonly pending = new Set<{ t: NodeJS.Timeout; done: () => void }>();
  closed = false;

  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        t: setTimeout(() => {
          this.pending.delete(entry);
          resolve();
        }, ms),
        done: resolve,
      };
      this.pending.add(entry);
    });
  }

  /** Ends every pending sleep at once (callers see their response already destroyed). */
  close(): void {
    this.closed = true;
    for (const e of this.pending) {
      clearTimeout(e.t);
      e.done();
    }
    this.pending.clear();
  }
}

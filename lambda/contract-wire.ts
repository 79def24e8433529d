/**
 * The contract's wire form: bytes as base64 inside JSON (a Lambda payload,
 * the cluster's internal link), and the conversions to and from the typed
 * form a proxy with the handler in its own process passes as it is.
 */
import { fromWireDeltas, toWireDeltas } from './contract-fold';
import type { BatchRequest, BatchResponse, LocalBatchRequest, LocalBatchResponse, Reply, WireReply } from './contract';

export function encodeArg(b: Buffer): string {
  return b.toString('base64');
}

export function decodeArg(s: string): Buffer {
  return Buffer.from(s, 'base64');
}

/** A reply for the wire: its bytes as base64. */
export function toWire(r: Reply): WireReply {
  switch (r.t) {
    case 'bulk':
      return { t: 'bulk', v: r.v.toString('base64') };
    case 'verbatim':
      return { t: 'verbatim', format: r.format, v: r.v.toString('base64') };
    case 'array':
    case 'set':
      return { t: r.t, v: r.v.map(toWire) };
    case 'map':
    case 'pairs': {
      const v = r.v.map(([k, x]): [WireReply, WireReply] => [toWire(k), toWire(x)]);
      return r.t === 'map' && r.nested ? { t: 'map', v, nested: true } : { t: r.t, v };
    }
    case 'blocked':
      return { t: 'blocked', retry: r.retry.map(encodeArg), keys: r.keys.map(encodeArg), timeoutMs: r.timeoutMs, onTimeout: toWire(r.onTimeout) };
    default:
      return r;
  }
}

/** A reply off the wire: its bytes decoded. */
export function fromWire(w: WireReply): Reply {
  switch (w.t) {
    case 'bulk':
      return { t: 'bulk', v: Buffer.from(w.v, 'base64') };
    case 'verbatim':
      return { t: 'verbatim', format: w.format, v: Buffer.from(w.v, 'base64') };
    case 'array':
    case 'set':
      return { t: w.t, v: w.v.map(fromWire) };
    case 'map':
    case 'pairs': {
      const v = w.v.map(([k, x]): [Reply, Reply] => [fromWire(k), fromWire(x)]);
      return w.t === 'map' && w.nested ? { t: 'map', v, nested: true } : { t: w.t, v };
    }
    case 'blocked':
      return { t: 'blocked', retry: w.retry.map(decodeArg), keys: w.keys.map(decodeArg), timeoutMs: w.timeoutMs, onTimeout: fromWire(w.onTimeout) };
    default:
      return w;
  }
}

/** A wire request's arguments decoded: the batch as the handler runs it. */
export function fromWireRequest(req: BatchRequest): LocalBatchRequest {
  const { deltas, ...rest } = req;
  return { ...rest, sessions: req.sessions.map((s) => ({ ...s, commands: s.commands.map((argv) => argv.map(decodeArg)) })), ...(deltas ? { deltas: fromWireDeltas(deltas) } : {}) };
}

/** A local request for the wire (the Lambda, the internal link). */
export function toWireRequest(req: LocalBatchRequest): BatchRequest {
  const { deltas, ...rest } = req;
  return { ...rest, sessions: req.sessions.map((s) => ({ ...s, commands: s.commands.map((argv) => argv.map(encodeArg)) })), ...(deltas ? { deltas: toWireDeltas(deltas) } : {}) };
}

/** A local response for the wire (its other fields, `changed` and `lease` among them, travel as they are). */
export function toWireResponse(res: LocalBatchResponse): BatchResponse {
  if (!res.ok) return res;
  const { folds, ...rest } = res;
  return { ...rest, sessions: res.sessions.map((s) => ({ id: s.id, replies: s.replies.map(toWire) })), ...(folds ? { folds: toWireDeltas(folds) } : {}) };
}

/** A wire response decoded. */
export function fromWireResponse(res: BatchResponse): LocalBatchResponse {
  if (!res.ok) return res;
  const { folds, ...rest } = res;
  return { ...rest, sessions: res.sessions.map((s) => ({ id: s.id, replies: s.replies.map(fromWire) })), ...(folds ? { folds: fromWireDeltas(folds) } : {}) };
}

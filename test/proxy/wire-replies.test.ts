/**
 * The replies issue 14 added ('pairs', map.nested, 'blocked') and a
 * response's change marks, in both forms of the contract: the typed one the
 * in-process handler answers (Buffers), and the wire's (base64 in JSON, for
 * the Lambda and the cluster's link) — converted both ways by
 * contract-wire.ts, checked by the proxy's validator, and encoded for clients.
 */
import { CONTRACT_VERSION, type BatchRequest, type LocalBatchResponse, type Reply } from '../../lambda/contract';
import { fromWire, fromWireResponse, toWire, toWireResponse } from '../../lambda/contract-wire';
import { checkReply, validateResponse } from '../../proxy/executors/validate';
import { encode, toBuffer } from '../../proxy/resp/reply';

const bulk = (s: string): Reply => ({ t: 'bulk', v: Buffer.from(s) });
const NULL_ARRAY: Reply = { t: 'null', array: true };
const enc = (r: Reply, proto: 2 | 3): string => {
  const out: (string | Buffer)[] = [];
  encode(r, proto, out);
  return toBuffer(out).toString('latin1');
};

const pairs: Reply = { t: 'pairs', v: [[bulk('a'), { t: 'double', v: '1.5' }], [bulk('\x00\xff'), { t: 'double', v: '-inf' }]] };
const nested: Reply = { t: 'map', nested: true, v: [[bulk('s'), { t: 'array', v: [{ t: 'array', v: [bulk('1-1'), { t: 'array', v: [bulk('f'), bulk('v')] }] }] }]] };
const blocked: Reply = { t: 'blocked', retry: [Buffer.from('BLPOP'), Buffer.from([0, 0xff]), Buffer.from('1.5')], keys: [Buffer.from([0, 0xff])], timeoutMs: 1500, onTimeout: NULL_ARRAY };
const blockedXread: Reply = { t: 'blocked', retry: [Buffer.from('XREAD'), Buffer.from('BLOCK'), Buffer.from('0'), Buffer.from('STREAMS'), Buffer.from('s'), Buffer.from('5-1')], keys: [Buffer.from('s')], timeoutMs: 0, onTimeout: NULL_ARRAY };

describe('typed ↔ wire', () => {
  test.each<[string, Reply]>([
    ['pairs', pairs],
    ['a nested map', nested],
    ['a plain map stays plain', { t: 'map', v: [[bulk('k'), bulk('v')]] }],
    ['blocked', blocked],
    ['blocked with no keys and forever', blockedXread],
    ['pairs inside an array', { t: 'array', v: [pairs, { t: 'pairs', v: [] }] }],
  ])('%s: base64 on the wire, valid, and back to the same reply', (_name, r) => {
    const w = JSON.parse(JSON.stringify(toWire(r))) as ReturnType<typeof toWire>;
    expect(checkReply(w)).toBeNull();
    expect(fromWire(w)).toEqual(r);
  });

  test('the wire form of blocked carries its argv and keys as base64, its timeout reply as a wire reply', () => {
    expect(toWire(blocked)).toEqual({ t: 'blocked', retry: ['QkxQT1A=', 'AP8=', 'MS41'], keys: ['AP8='], timeoutMs: 1500, onTimeout: { t: 'null', array: true } });
    expect(toWire(nested)).toMatchObject({ t: 'map', nested: true });
    expect('nested' in toWire({ t: 'map', v: [] })).toBe(false);
  });

  test('the validator refuses malformed forms of the new replies', () => {
    expect(checkReply({ t: 'map', nested: false, v: [] })).toMatch(/nested is not true/);
    expect(checkReply({ t: 'pairs', v: [[{ t: 'int', v: 1 }]] })).toMatch(/is not a pair/);
    expect(checkReply({ t: 'blocked', retry: [], keys: [], timeoutMs: 0, onTimeout: { t: 'null' } })).toMatch(/retry is not a non-empty list/);
    expect(checkReply({ t: 'blocked', retry: ['QQ=='], keys: [7], timeoutMs: 0, onTimeout: { t: 'null' } })).toMatch(/keys is not a list/);
    expect(checkReply({ t: 'blocked', retry: ['QQ=='], keys: [], timeoutMs: -1, onTimeout: { t: 'null' } })).toMatch(/timeoutMs/);
    expect(checkReply({ t: 'blocked', retry: ['QQ=='], keys: [], timeoutMs: 0, onTimeout: { t: 'blocked', retry: ['QQ=='], keys: [], timeoutMs: 0, onTimeout: { t: 'null' } } })).toMatch(/onTimeout is not a reply/);
  });
});

describe('change marks travel in both forms of a response', () => {
  const req: BatchRequest = { v: CONTRACT_VERSION, batchId: 'b-1', sessions: [{ id: '0', commands: [['TFBVU0g=', 'aw==', 'dg==']] }] };
  const local: LocalBatchResponse = { v: CONTRACT_VERSION, batchId: 'b-1', ok: true, sessions: [{ id: '0', replies: [{ t: 'int', v: 1 }] }], stats: { s3Gets: 0, s3Puts: 1, conflicts: 0, keys: 1, replayed: false }, changed: ['0:1a2b3c4d', '*3'] };

  test('typed → wire → validated → typed keeps them', () => {
    const wire = JSON.parse(JSON.stringify(toWireResponse(local))) as unknown;
    const checked = validateResponse(req, wire);
    if (typeof checked === 'string') throw new Error(checked);
    expect(checked).toMatchObject({ ok: true, changed: ['0:1a2b3c4d', '*3'] });
    expect(fromWireResponse(checked)).toEqual(local);
  });

  test('a response without them has none; malformed ones are refused', () => {
    const { changed: _changed, ...none } = local as LocalBatchResponse & { changed?: string[] };
    expect('changed' in toWireResponse(none)).toBe(false);
    const bad = { ...toWireResponse(local), changed: ['key'] };
    expect(validateResponse(req, bad)).toMatch(/changed has a malformed change mark/);
  });
});

describe('RESP encoding of the typed replies', () => {
  test('a nested map: [key, value] arrays on RESP2, a map on RESP3 (XREAD)', () => {
    expect(enc({ t: 'map', nested: true, v: [[bulk('s'), { t: 'int', v: 1 }]] }, 2)).toBe('*1\r\n*2\r\n$1\r\ns\r\n:1\r\n');
    expect(enc({ t: 'map', nested: true, v: [[bulk('s'), { t: 'int', v: 1 }]] }, 3)).toBe('%1\r\n$1\r\ns\r\n:1\r\n');
  });
  test('a blocked reply that reached the encoder answers as its timeout would', () => {
    expect(enc(blocked, 2)).toBe('*-1\r\n');
    expect(enc(blocked, 3)).toBe('_\r\n');
  });
});

import { array, bulk, encode, error, int, map, NULL, simple, toBuffer, fromWire, type Reply } from '../../proxy/resp/reply';

const enc = (r: Reply, proto: 2 | 3) => {
  const out: (string | Buffer)[] = [];
  encode(r, proto, out);
  return toBuffer(out).toString('latin1');
};

describe('RESP encoding', () => {
  test('RESP2 scalars', () => {
    expect(enc(simple('OK'), 2)).toBe('+OK\r\n');
    expect(enc(error('ERR x'), 2)).toBe('-ERR x\r\n');
    expect(enc(int(-3), 2)).toBe(':-3\r\n');
    expect(enc(bulk(Buffer.from([0, 0xff])), 2)).toBe('$2\r\n\x00\xff\r\n');
    expect(enc(bulk(''), 2)).toBe('$0\r\n\r\n');
    expect(enc(NULL, 2)).toBe('$-1\r\n');
  });
  test('RESP3 null and map; RESP2 flattens maps', () => {
    expect(enc(NULL, 3)).toBe('_\r\n');
    const m = map([[bulk('a'), int(1)]]);
    expect(enc(m, 3)).toBe('%1\r\n$1\r\na\r\n:1\r\n');
    expect(enc(m, 2)).toBe('*2\r\n$1\r\na\r\n:1\r\n');
    expect(enc(array([NULL, simple('x')]), 3)).toBe('*2\r\n_\r\n+x\r\n');
  });
  test('pairs: two-element arrays on RESP3, one flat array on RESP2 (HRANDFIELD WITHVALUES, ZRANGE WITHSCORES)', () => {
    const p: Reply = { t: 'pairs', v: [[bulk('a'), bulk('1')], [bulk('b'), bulk('2')]] };
    expect(enc(p, 3)).toBe('*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n');
    expect(enc(p, 2)).toBe('*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n');
    expect(enc({ t: 'pairs', v: [] }, 3)).toBe('*0\r\n');
    expect(fromWire({ t: 'pairs', v: [[{ t: 'bulk', v: 'YQ==' }, { t: 'double', v: '1.5' }]] })).toEqual({ t: 'pairs', v: [[bulk('a'), { t: 'double', v: '1.5' }]] });
  });
  test('simple strings and errors never carry a line break', () => {
    expect(enc(error('ERR a\r\nb'), 2)).toBe('-ERR a b\r\n');
  });
  test('wire replies decode base64 bulk strings', () => {
    expect(fromWire({ t: 'array', v: [{ t: 'bulk', v: Buffer.from('hi').toString('base64') }, { t: 'null' }] })).toEqual(array([bulk('hi'), NULL]));
  });
});

import fc from 'fast-check';
import { RequestFramer, splitInline, ProtocolError, type Request } from '../../proxy/resp/framer';

const enc = (argv: (string | Buffer)[]) =>
  Buffer.concat([Buffer.from(`*${argv.length}\r\n`), ...argv.flatMap((a) => { const b = Buffer.isBuffer(a) ? a : Buffer.from(a); return [Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]; })]);
const words = (rs: Request[]) => rs.map((r) => r.argv.map((a) => a.toString('latin1')));

describe('RequestFramer', () => {
  test('decodes pipelined multibulk requests into Buffers, in order', () => {
    const f = new RequestFramer();
    const { requests, error } = f.push(Buffer.concat([enc(['SET', 'k', 'v']), enc(['GET', 'k'])]));
    expect(error).toBeUndefined();
    expect(words(requests)).toEqual([['SET', 'k', 'v'], ['GET', 'k']]);
    expect(requests.every((r) => r.argv.every(Buffer.isBuffer))).toBe(true);
  });

  test('mixes inline and multibulk requests keeping order', () => {
    const f = new RequestFramer();
    const { requests } = f.push(Buffer.concat([Buffer.from('PING\r\n'), enc(['ECHO', 'x']), Buffer.from('set a "b c"\n\r\n')]));
    expect(words(requests)).toEqual([['PING'], ['ECHO', 'x'], ['set', 'a', 'b c']]);
  });

  test('any split of a byte stream yields the same requests (binary-safe)', () => {
    const arg = fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u));
    fc.assert(
      fc.property(fc.array(fc.array(arg, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (cmds, cuts) => {
        const stream = Buffer.concat(cmds.map(enc));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const f = new RequestFramer();
        const got: Request[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          const r = f.push(stream.subarray(prev, p));
          expect(r.error).toBeUndefined();
          got.push(...r.requests);
          prev = p;
        }
        expect(got.map((r) => r.argv)).toEqual(cmds);
        expect(got.reduce((n, r) => n + r.bytes, 0)).toBe(stream.length);
        expect(f.pendingBytes).toBe(0);
      }),
    );
  });

  test('a large bulk arriving in small chunks is collected, not rescanned', () => {
    const f = new RequestFramer();
    const value = Buffer.alloc(1_000_000, 7);
    const stream = enc(['SET', 'big', value]);
    let got: Request[] = [];
    for (let i = 0; i < stream.length; i += 4096) got = got.concat(f.push(stream.subarray(i, i + 4096)).requests);
    expect(got).toHaveLength(1);
    expect(got[0].argv[2].equals(value)).toBe(true);
  });

  test.each([
    ['*1\r\n$99999999999\r\n', 'invalid bulk length'],
    ['*99999999999\r\n', 'invalid multibulk length'],
    ['*1\r\n$abc\r\n', 'invalid bulk length'],
    ['*1\r\n$-5\r\n', 'invalid bulk length'],
    ['*1\r\n:5\r\n', "expected '$', got ':'"],
    ['*1\r\n*1\r\n$1\r\na\r\n', "expected '$', got '*'"],
    ['*1\r\n$1\r\nabc\r\n', 'not terminated by CRLF'],
    ['*1x\r\n', 'invalid multibulk length'],
    ['set "unbalanced\r\n', 'unbalanced quotes'],
  ])('%j is a protocol error (%s)', (input, message) => {
    const r = new RequestFramer().push(Buffer.from(input));
    expect(r.error).toBeInstanceOf(ProtocolError);
    expect(r.error?.message).toContain(message);
  });

  test('limits are configurable and checked before buffering', () => {
    const f = new RequestFramer({ maxBulkBytes: 10, maxArrayLength: 3, maxInlineBytes: 16 });
    expect(f.push(enc(['SET', 'k', '0123456789'])).error).toBeUndefined();
    expect(new RequestFramer({ maxBulkBytes: 10, maxArrayLength: 3, maxInlineBytes: 16 }).push(Buffer.from('*1\r\n$11\r\n')).error?.message).toContain('invalid bulk length');
    expect(new RequestFramer({ maxBulkBytes: 10, maxArrayLength: 3, maxInlineBytes: 16 }).push(Buffer.from('*4\r\n')).error?.message).toContain('invalid multibulk length');
    expect(new RequestFramer({ maxBulkBytes: 10, maxArrayLength: 3, maxInlineBytes: 16 }).push(Buffer.alloc(17, 0x61)).error?.message).toContain('too big inline request');
  });

  test('requests before a protocol error in the same chunk are still returned', () => {
    const r = new RequestFramer().push(Buffer.concat([enc(['SET', 'a', '1']), Buffer.from('*1\r\n$x\r\n')]));
    expect(words(r.requests)).toEqual([['SET', 'a', '1']]);
    expect(r.error).toBeInstanceOf(ProtocolError);
  });

  test('empty arrays and blank lines are ignored', () => {
    expect(words(new RequestFramer().push(Buffer.from('*0\r\n\r\n*-1\r\nPING\r\n')).requests)).toEqual([['PING']]);
  });
});

describe('splitInline (sdssplitargs)', () => {
  test.each([
    ['set a b', ['set', 'a', 'b']],
    ['  set   a\tb  ', ['set', 'a', 'b']],
    ['set "a b" \'c d\'', ['set', 'a b', 'c d']],
    ['set "\\x41\\n" x', ['set', 'A\n', 'x']],
    ["set 'it\\'s' x", ['set', "it's", 'x']],
    ['set ""', ['set', '']],
  ])('%j', (line, expected) => {
    expect(splitInline(Buffer.from(line))?.map((b) => b.toString('latin1'))).toEqual(expected);
  });
  test('a closing quote must end the word', () => {
    expect(splitInline(Buffer.from('set "a"b'))).toBeNull();
  });
});

/**
 * Whole databases: DBSIZE, FLUSHDB, SWAPDB, and what crosses databases
 * (MOVE, COPY … DB). Replies and error texts as redis-server 7.0.15 gives them.
 */
import { harness, names, T0 } from './keyspace-harness';
import { bulk, err, int, OK } from './util';

const SAME = 'ERR source and destination objects are the same';
const OUT_OF_RANGE = 'ERR DB index is out of range';

function withKeys(...pairs: [string, string][]) {
  const h = harness();
  for (const [k, v] of pairs) h.run('SET', k, v);
  return h;
}

describe('across databases', () => {
  it('MOVE takes value and TTL to the other database; 0 if the key is there already', () => {
    const h = withKeys(['a', '1'], ['b', '2']);
    h.run('PEXPIRE', 'a', '3000');
    expect(h.run('MOVE', 'a', '3')).toEqual(int(1));
    expect(h.run('EXISTS', 'a')).toEqual(int(0));
    expect(h.runIn(3, 'GET', 'a')).toEqual(bulk('1'));
    expect(h.runIn(3, 'PTTL', 'a')).toEqual(int(3000));
    h.runIn(3, 'SET', 'b', 'there');
    expect(h.run('MOVE', 'b', '3')).toEqual(int(0));
    expect(h.run('GET', 'b')).toEqual(bulk('2'));
    expect(h.runIn(3, 'MOVE', 'a', '0')).toEqual(int(1));
    expect(h.run('GET', 'a')).toEqual(bulk('1'));
  });

  it('COPY … DB n copies into another database (same name allowed), REPLACE there', () => {
    const h = withKeys(['a', '1']);
    h.run('EXPIRE', 'a', '10');
    expect(h.run('COPY', 'a', 'a', 'DB', '1')).toEqual(int(1));
    expect(h.runIn(1, 'TTL', 'a')).toEqual(int(10));
    h.run('SET', 'a', 'new');
    expect(h.run('COPY', 'a', 'a', 'DB', '1')).toEqual(int(0));
    expect(h.run('COPY', 'a', 'a', 'DB', '1', 'REPLACE')).toEqual(int(1));
    expect(h.runIn(1, 'GET', 'a')).toEqual(bulk('new'));
    expect(h.runIn(1, 'COPY', 'a', 'a', 'DB', '1')).toEqual(err(SAME));
  });

  it('SWAPDB exchanges two databases; DBSIZE, FLUSHDB and KEYS see only their own', () => {
    const h = withKeys(['a', '1']);
    h.runIn(2, 'SET', 'b', '2');
    h.runIn(2, 'SET', 'c', '3');
    expect(h.run('SWAPDB', '0', '2')).toEqual(OK);
    expect(names(h.run('KEYS', '*'))).toEqual(['b', 'c']);
    expect(h.run('DBSIZE')).toEqual(int(2));
    expect(h.runIn(2, 'DBSIZE')).toEqual(int(1));
    expect(h.run('FLUSHDB')).toEqual(OK);
    expect(h.run('DBSIZE')).toEqual(int(0));
    expect(h.runIn(2, 'GET', 'a')).toEqual(bulk('1'));
  });
});

describe('SWAPDB', () => {
  it.each([
    [['x', '1'], 'ERR invalid first DB index'],
    [['0', 'x'], 'ERR invalid second DB index'],
    [['x', 'x'], 'ERR invalid first DB index'],
    [['16', 'x'], 'ERR invalid second DB index'],
    [['99999999999', '0'], 'ERR invalid first DB index'],
    [['0', '99999999999'], 'ERR invalid second DB index'],
    [['16', '0'], OUT_OF_RANGE],
    [['0', '-1'], OUT_OF_RANGE],
  ])('SWAPDB %p → %s', (words, error) => {
    expect(harness().run('SWAPDB', ...words)).toEqual(err(error));
  });

  it('a database swapped with itself is OK and unchanged', () => {
    const h = withKeys(['a', '1']);
    expect(h.run('SWAPDB', '0', '0')).toEqual(OK);
    expect(h.run('SWAPDB', '15', '15')).toEqual(OK);
    expect(h.run('GET', 'a')).toEqual(bulk('1'));
  });
});

describe('FLUSHDB and DBSIZE', () => {
  it.each([[[]], [['ASYNC']], [['sync']]])('FLUSHDB %p empties the database', (words) => {
    const h = withKeys(['a', '1'], ['b', '2']);
    expect(h.run('DBSIZE')).toEqual(int(2));
    expect(h.run('FLUSHDB', ...words)).toEqual(OK);
    expect(h.run('DBSIZE')).toEqual(int(0));
    expect(h.touched.flushed).toBe(true);
  });

  it.each([[['foo']], [['async', 'sync']]])('FLUSHDB %p is a syntax error', (words) => {
    const h = withKeys(['a', '1']);
    expect(h.run('FLUSHDB', ...words)).toEqual(err('ERR syntax error'));
    expect(h.run('DBSIZE')).toEqual(int(1));
  });

  it('DBSIZE counts expired keys not removed yet, as Redis does', () => {
    const h = withKeys(['a', '1'], ['b', '2']);
    h.run('PEXPIRE', 'a', '1');
    h.now = T0 + 2;
    expect(h.run('DBSIZE')).toEqual(int(2));
    expect(h.run('DBSIZE', 'x')).toEqual(err("ERR wrong number of arguments for 'dbsize' command"));
  });
});

/**
 * The keys a batch names, per database (batch-keys.ts): by the key specs
 * COMMAND GETKEYS reads, EVAL's KEYS, a transaction's queued commands and
 * watched keys in their own databases, MOVE's and COPY … DB's other database.
 */
import { encodeTransaction, WatchState } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { batchKeys } from '../../lambda/batch-keys';
import { argv, b } from '../lambda/util';

const view = (m: Map<number, Set<string>>): Record<number, string[]> => Object.fromEntries([...m].map(([db, ks]) => [db, [...ks].sort()]));

describe('batchKeys', () => {
  it('reads key specs in each session database, EVAL keys, subcommands, and dedupes', () => {
    const keys = batchKeys(
      [
        [argv('GET', 'a'), argv('MSET', 'b', '1', 'c', '2'), argv('RENAME', 'd', 'e'), argv('GET', 'a'), argv('PING')],
        [argv('EVAL', 'return 1', '2', 'x', 'y', 'argv-not-a-key'), argv('OBJECT', 'ENCODING', 'o'), argv('XREAD', 'COUNT', '1', 'STREAMS', 's1', 's2', '0', '0'), argv('NOSUCHCOMMAND', 'z')],
      ],
      [3, 5],
    );
    expect(view(keys)).toEqual({ 3: ['a', 'b', 'c', 'd', 'e'], 5: ['o', 's1', 's2', 'x', 'y'] });
  });

  it('MOVE and COPY … DB name a key of another database; a bad index names none', () => {
    const keys = batchKeys([[argv('MOVE', 'm', '7'), argv('COPY', 'src', 'dst', 'DB', '9', 'REPLACE'), argv('MOVE', 'n', '99'), argv('COPY', 'p', 'q', 'db', 'x')]], [1]);
    expect(view(keys)).toEqual({ 1: ['dst', 'm', 'n', 'p', 'q', 'src'], 7: ['m'], 9: ['dst'] });
  });

  it("a transaction's commands in their own databases, and its watched keys", () => {
    const tx = encodeTransaction({
      watch: [{ db: 4, key: encodeArg(b('w')), seq: 1, state: WatchState.Live }],
      commands: [
        { db: 2, argv: ['SET', 't', 'v'].map((w) => encodeArg(b(w))) },
        { db: 6, argv: ['DEL', 'u', '\xff'].map((w) => encodeArg(b(w))) },
      ],
    });
    expect(view(batchKeys([[tx]], [0]))).toEqual({ 2: ['t'], 4: ['w'], 6: ['u', '\xff'] });
  });
});

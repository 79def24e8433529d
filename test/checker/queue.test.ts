/** The queue check (queue.ts) on hand-made histories: each rule catches its violation, and a valid history passes. */
import { checkQueues, type QueueOp } from './queue';

let id = 0;
const push = (value: string, call: number, ret: number | undefined, outcome: QueueOp['outcome'] = 'ok'): QueueOp => ({ id: id++, client: 0, kind: 'push', queue: 'q', value, via: 'lpush', call, ret, outcome });
const pop = (value: string | null, call: number, ret: number | undefined, outcome: QueueOp['outcome'] = 'ok'): QueueOp => ({ id: id++, client: 1, kind: 'pop', queue: 'q', value, via: 'rpop', call, ret, outcome });
const kinds = (ops: QueueOp[]) => checkQueues(ops).violations.map((v) => v.kind);

test('a FIFO history, with overlapping operations and an empty pop before any push, is valid', () => {
  expect(kinds([pop(null, 0, 1), push('a', 2, 5), push('b', 3, 4), pop('b', 6, 7), pop('a', 8, 9), pop(null, 10, 11)])).toEqual([]);
});

test('an element popped twice (a pop that did not commit) is a duplicate', () => {
  expect(kinds([push('a', 0, 1), pop('a', 2, 3), pop('a', 4, 5)])).toEqual(['duplicate']);
});

test('popping what was never pushed, or only by a failed push, or before the push was called', () => {
  expect(kinds([pop('x', 0, 1)])).toEqual(['phantom']);
  expect(kinds([push('a', 0, 1, 'failed'), pop('a', 2, 3)])).toEqual(['phantom']);
  expect(kinds([pop('a', 0, 1), push('a', 2, 3)])).toEqual(['phantom']);
});

test('an acknowledged push never popped is lost, unless a pop without a reply may have taken it', () => {
  expect(kinds([push('a', 0, 1), pop(null, 2, 3)])).toEqual(['lost']);
  expect(kinds([push('a', 0, 1), pop(null, 2, undefined, 'unknown')])).toEqual([]);
  // A push without a reply may never have happened.
  expect(kinds([push('a', 0, undefined, 'unknown')])).toEqual([]);
});

test('pushed a then b (in real time), popped b then a (in real time): order', () => {
  expect(kinds([push('a', 0, 1), push('b', 2, 3), pop('b', 4, 5), pop('a', 6, 7)])).toEqual(['order']);
  // Concurrent pushes may land either way.
  expect(kinds([push('a', 0, 3), push('b', 1, 2), pop('b', 4, 5), pop('a', 6, 7)])).toEqual([]);
});

test('an empty answer while an element was surely in the list', () => {
  expect(kinds([push('a', 0, 1), pop(null, 2, 3), pop('a', 4, 5)])).toEqual(['empty']);
  // The element's pop overlapping the empty pop: it may have gone first.
  expect(kinds([push('a', 0, 1), pop(null, 2, 5), pop('a', 3, 4)])).toEqual([]);
});

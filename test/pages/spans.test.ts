/** Spans (pages/spans.ts): resolved hash ranges, merged, against a plain set of positions. */
import fc from 'fast-check';
import { END, Spans } from '../../lambda/pages/spans';

describe('Spans', () => {
  it('covers exactly the positions of the ranges added; runFrom ends where coverage stops', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(40), fc.nat(12)), { maxLength: 12 }), (ranges) => {
        const s = new Spans();
        const set = new Set<number>();
        for (const [lo, len] of ranges) {
          s.add(lo, lo + len);
          for (let p = lo; p < lo + len; p++) set.add(p);
        }
        for (let p = 0; p < 60; p++) {
          expect(s.covers(p)).toBe(set.has(p));
          let end = p;
          while (set.has(end)) end++;
          expect(s.runFrom(p)).toBe(end);
        }
        expect(s.empty).toBe(set.size === 0);
      }),
    );
  });

  it('is whole once the ranges tile the hash space', () => {
    const s = new Spans();
    s.add(10, END);
    expect(s.whole).toBe(false);
    s.add(0, 10);
    expect([s.whole, s.runFrom(0)]).toEqual([true, END]);
  });
});

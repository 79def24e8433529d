/**
 * The two paging knobs and what they derive (pages/settings.ts): at their
 * defaults exactly layout.ts's constants; smaller, every bound in proportion
 * and within the floors that keep a tree a tree (two records per leaf
 * rewrite, three leaves per node).
 */
import { openStorage, storageSettingsFromEnv } from '../../lambda/config';
import { DEFAULT_LIMITS, LOG_HARD_BYTES, LOG_SOFT_BYTES, PAGE_THRESHOLD } from '../../lambda/pages/layout';
import { DEFAULT_PAGE_BYTES, DEFAULT_PAGE_THRESHOLD, pagingFor } from '../../lambda/pages/settings';
import { AGG_PAGE_BYTES } from '../../lambda/pages/stub';

describe('pagingFor', () => {
  it('the defaults are layout.ts\'s constants', () => {
    expect([DEFAULT_PAGE_THRESHOLD, DEFAULT_PAGE_BYTES]).toEqual([PAGE_THRESHOLD, DEFAULT_LIMITS.leafMaxBytes]);
    expect(pagingFor(DEFAULT_PAGE_THRESHOLD, DEFAULT_PAGE_BYTES)).toEqual({ threshold: PAGE_THRESHOLD, softBytes: LOG_SOFT_BYTES, hardBytes: LOG_HARD_BYTES, limits: DEFAULT_LIMITS, aggPageBytes: AGG_PAGE_BYTES });
  });

  it('smaller knobs shrink every bound, down to floors that keep a tree', () => {
    expect(pagingFor(256, 256)).toEqual({ threshold: 256, softBytes: 64, hardBytes: 256, limits: { leafMaxBytes: 256, nodeBufferMaxBytes: 128, leafMinRecords: 2, nodeMaxLeaves: 3 }, aggPageBytes: 128 });
    expect(pagingFor(65536, 65536)).toEqual({ threshold: 65536, softBytes: 4096, hardBytes: 32768, limits: { leafMaxBytes: 65536, nodeBufferMaxBytes: 32768, leafMinRecords: 4, nodeMaxLeaves: 4 }, aggPageBytes: 16384 });
    // Bigger pages than the default do not raise the record and leaf counts past theirs, nor the log past its bounds.
    expect(pagingFor(1 << 30, 4 << 20)).toMatchObject({ softBytes: LOG_SOFT_BYTES, hardBytes: LOG_HARD_BYTES, limits: { leafMinRecords: 64, nodeMaxLeaves: 64 } });
  });

  it('the Lambda and npm start take them from VALTHREE_PAGE_THRESHOLD / VALTHREE_PAGE_BYTES into the handler options', () => {
    // Over S3 (nothing is sent before a batch), so that no data directory is made.
    const s = storageSettingsFromEnv({ VALTHREE_PAGE_THRESHOLD: '256', VALTHREE_PAGE_BYTES: '512', VALTHREE_BUCKET: 'b', AWS_REGION: 'us-east-1' });
    const { store, options } = openStorage(s);
    expect(options.paging).toEqual(pagingFor(256, 512));
    store.close?.();
    expect(() => storageSettingsFromEnv({ VALTHREE_PAGE_BYTES: 'big' })).toThrow(/VALTHREE_PAGE_BYTES must be a positive number/);
  });
});

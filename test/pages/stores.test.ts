/**
 * Page I/O in the stores (layout.ts §4, §11): pages written and read back
 * through the file store, the S3 store against the emulator (real SDK, real
 * wire) and the tests' memory store; a create never overwrites (If-None-Match:
 * *, link(2)); a missing page and a corrupted one are named; a name from
 * db.json that is no page name never becomes a key or a path.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodePage, PageCorruptError, PageMissingError, type Rec } from '../../lambda/pages/codec';
import { PageReader } from '../../lambda/pages/keyspace';
import { pageKey, pageName } from '../../lambda/pages/name';
import { FileStore } from '../../lambda/store/file';
import { S3Store } from '../../lambda/store/s3';
import { pagesOf, StoreError, type ObjectStore } from '../../lambda/store/types';
import { MemoryStore } from '../support/memory-store';
import { startEmulator, type Emulator } from '../support/emulator';
import { form } from './entries';

const DOC = 'db.json';

function leaf(values: Record<string, string>): { name: string; bytes: Buffer } {
  const recs: [string, Rec][] = Object.entries(values).map(([k, v]) => [k, { e: { type: 'string', value: Buffer.from(v) }, p: 0, seq: 0 }]);
  const bytes = encodePage({ kind: 'leaf', db: 0, lo: 0, hi: 2 ** 52 }, recs);
  return { name: pageName(bytes), bytes };
}

interface Target {
  store: ObjectStore;
  /** Replaces a page's stored bytes behind the store's back (bit rot, a bad copy). */
  tamper(name: string, bytes: Buffer): Promise<void>;
}

/** The same contract, for each store. */
function pageContract(label: string, target: () => Target): void {
  describe(`${label}: pages`, () => {
    it('a page written reads back byte for byte, and decodes through a PageReader', async () => {
      const { store } = target();
      const p = leaf({ a: '1', b: '2' });
      expect(await pagesOf(store).putPage(DOC, p.name, p.bytes)).toEqual({ status: 'ok' });
      expect((await pagesOf(store).getPage(DOC, p.name)).equals(p.bytes)).toBe(true);
      const reader = new PageReader((n) => pagesOf(store).getPage(DOC, n));
      const page = await reader.get(p.name);
      expect(form(page.recs.get('b')?.e)).toBe('"2"');
    });

    it('a create over an existing page is refused and changes nothing (If-None-Match: *)', async () => {
      const { store } = target();
      const p = leaf({ k: 'first' });
      const other = leaf({ k: 'second' });
      expect((await pagesOf(store).putPage(DOC, p.name, p.bytes)).status).toBe('ok');
      const again = await pagesOf(store).putPage(DOC, p.name, other.bytes);
      expect(again.status).toBe('exists');
      expect((await pagesOf(store).getPage(DOC, p.name)).equals(p.bytes)).toBe(true);
    });

    it('a missing page is PageMissingError naming it', async () => {
      const { store } = target();
      const name = leaf({ never: 'written' }).name;
      const err = await pagesOf(store).getPage(DOC, name).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PageMissingError);
      expect((err as Error).message).toBe(`db.json page ${name} is missing, though the current db.json references it; nothing was written`);
    });

    it('a corrupted page is refused, named, never read as data', async () => {
      const t = target();
      const p = leaf({ x: 'value' });
      expect((await pagesOf(t.store).putPage(DOC, p.name, p.bytes)).status).toBe('ok');
      const flipped = Buffer.from(p.bytes);
      flipped[20] ^= 0x40;
      await t.tamper(p.name, flipped);
      const reader = new PageReader((n) => pagesOf(t.store).getPage(DOC, n));
      const err = await reader.get(p.name).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PageCorruptError);
      expect((err as Error).message).toBe(`db.json page ${p.name} is corrupt: checksum mismatch; nothing was written`);
      // Not cached: once the page is whole again, it reads.
      await t.tamper(p.name, p.bytes);
      expect(form((await reader.get(p.name)).recs.get('x')?.e)).toBe('"value"');
    });

    it('a name that is not a page name is refused before any I/O', async () => {
      const { store } = target();
      for (const bad of ['../db.json', 'x', `${leaf({}).name}/..`]) {
        await expect(pagesOf(store).getPage(DOC, bad)).rejects.toThrow(RangeError);
        await expect(pagesOf(store).putPage(DOC, bad, Buffer.from('x'))).rejects.toThrow(RangeError);
      }
    });
  });
}

describe('the file store', () => {
  let dir: string;
  let store: FileStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-pages-'));
    store = new FileStore(dir);
  });
  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  pageContract('FileStore', () => ({ store, tamper: async (name, bytes) => fs.writeFileSync(path.join(dir, pageKey(DOC, name)), bytes) }));

  it('keeps pages in <dir>/db.json.pages/, leaves no temporary file, and does not touch db.json', async () => {
    const p = leaf({ a: '1' });
    await store.putPage(DOC, p.name, p.bytes);
    await store.putPage(DOC, p.name, leaf({ a: '2' }).bytes);
    expect(fs.readdirSync(path.join(dir, 'db.json.pages'))).toEqual([p.name]);
    expect(fs.existsSync(path.join(dir, DOC))).toBe(false);
  });

  it('uploads in parallel, each page whole', async () => {
    const ps = Array.from({ length: 20 }, (_, i) => leaf({ [`k${i}`]: 'v'.repeat(i * 100) }));
    expect((await Promise.all(ps.map((p) => store.putPage(DOC, p.name, p.bytes)))).every((r) => r.status === 'ok')).toBe(true);
    for (const p of ps) expect((await store.getPage(DOC, p.name)).equals(p.bytes)).toBe(true);
  });

  it('an unwritable directory is a StoreError: nothing was written', async () => {
    fs.writeFileSync(path.join(dir, 'db.json.pages'), 'a file where the directory should be');
    const p = leaf({ a: '1' });
    await expect(store.putPage(DOC, p.name, p.bytes)).rejects.toThrow(StoreError);
  });
});

describe('the S3 store over the emulator', () => {
  let emu: Emulator;
  let store: S3Store;
  let raw: S3Client;
  beforeAll(async () => {
    emu = await startEmulator();
    raw = new S3Client(emu.clientConfig());
  });
  beforeEach(() => {
    store = new S3Store({ bucket: emu.bucket, endpoint: emu.endpoint, region: emu.region, credentials: emu.credentials, requestTimeoutMs: 30_000, connectTimeoutMs: 30_000 });
  });
  afterEach(() => store.close());
  afterAll(async () => {
    raw.destroy();
    await emu.close();
  });
  pageContract('S3Store', () => ({
    store,
    tamper: async (name, bytes) => void (await raw.send(new PutObjectCommand({ Bucket: emu.bucket, Key: pageKey(DOC, name), Body: bytes }))),
  }));

  it('pages sit under <document key>.pages/', async () => {
    const p = leaf({ a: '1' });
    await store.putPage('dir/db.json', p.name, p.bytes);
    expect((await store.get(`dir/db.json.pages/${p.name}`)).status).toBe('found');
  });
});

describe('the memory store', () => {
  const store = new MemoryStore();
  pageContract('MemoryStore', () => ({ store, tamper: async (name, bytes) => void store.objects.set(pageKey(DOC, name), { body: bytes, etag: '"x"' }) }));
});

describe('the S3 store: how a page PUT error is read', () => {
  const mockS3 = () => mockClient(S3Client);
  let s3: ReturnType<typeof mockS3>;
  let store: S3Store;
  beforeAll(() => {
    s3 = mockS3();
  });
  beforeEach(() => {
    s3.reset();
    store = new S3Store({ bucket: 'b', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  });
  afterEach(() => store.close());
  afterAll(() => s3.restore());
  const err = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status, attempts: 1 } });
  const p = leaf({ a: '1' });

  it('sends If-None-Match: * under the page key', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
    expect(await store.putPage(DOC, p.name, p.bytes)).toEqual({ status: 'ok' });
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({ Key: `db.json.pages/${p.name}`, IfNoneMatch: '*' });
  });

  it.each([
    ['412', err('PreconditionFailed', 412), 'exists'],
    ['409', err('ConditionalRequestConflict', 409), 'unknown'], // S3's "conflicting operation in progress": nothing known, worth another try
    ['500', err('InternalError', 500), 'unknown'],
    ['503', err('SlowDown', 503), 'unknown'],
  ])('%s → %s', async (_l, e, status) => {
    s3.on(PutObjectCommand).rejects(e);
    const r = await store.putPage(DOC, p.name, p.bytes);
    expect(r.status).toBe(status);
    expect(r.status !== 'ok' && r.detail).toContain(p.name);
  });

  it('403 is a refusal (StoreError)', async () => {
    s3.on(PutObjectCommand).rejects(err('AccessDenied', 403));
    await expect(store.putPage(DOC, p.name, p.bytes)).rejects.toThrow(StoreError);
  });
});

describe('pagesOf', () => {
  it('refuses a store that keeps no pages, naming it', () => {
    const bare: ObjectStore = { description: 'bare://', get: async () => ({ status: 'absent' }), put: async () => ({ status: 'ok', etag: 'e' }), delete: async () => undefined };
    expect(() => pagesOf(bare)).toThrow('bare:// keeps no pages');
  });
});

/**
 * The emulator counts PUTs on page objects (`<key>.pages/…`) apart from the
 * rest, so the benchmark can say what a commit uploads to db.json and what
 * to pages (test/bench/result.ts): received, applied, and their bytes.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Emulator } from '../support/emulator';
import { closeWithClient, emulatorWithClient } from '../support/emulator-client';

let emu: Emulator;
let s3: S3Client;

beforeAll(async () => ({ emu, s3 } = await emulatorWithClient()));
afterAll(() => closeWithClient({ emu, s3 }));

const put = (Key: string, bytes: number, IfNoneMatch?: string) => s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key, Body: Buffer.alloc(bytes, 0x61), IfNoneMatch }));

test('page PUTs and their bytes are counted apart from the document', async () => {
  emu.stats.reset();
  await put('db.json', 100);
  await put('db.json.pages/abcdefabcdefabcd-AAAAAAAA', 700, '*');
  await put('db.json.pages/0123456789abcdef-BBBBBBBB', 300, '*');
  // Refused (it exists): received and counted as uploaded, not applied.
  await expect(put('db.json.pages/0123456789abcdef-BBBBBBBB', 50, '*')).rejects.toThrow();
  expect(emu.stats).toMatchObject({ s3Puts: 4, s3PutsApplied: 3, s3PagePuts: 3, s3PagePutsApplied: 2, s3PageBytesIn: 1050, s3BytesIn: 1150 });
});

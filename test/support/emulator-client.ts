/** An emulator and an S3 client on it that never retries, for a suite's beforeAll; closeWithClient undoes both. */
import { S3Client } from '@aws-sdk/client-s3';
import { startEmulator, type Emulator, type EmulatorOptions } from './emulator';

export async function emulatorWithClient(opts?: EmulatorOptions): Promise<{ emu: Emulator; s3: S3Client }> {
  const emu = await startEmulator(opts);
  return { emu, s3: new S3Client({ ...emu.clientConfig(), maxAttempts: 1 }) };
}

export async function closeWithClient(t: { emu: Emulator; s3: S3Client }): Promise<void> {
  t.s3.destroy();
  await t.emu.close();
}

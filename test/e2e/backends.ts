/** The executors the end-to-end suites run over. */
import * as fs from 'node:fs';
import { startEmulator, type Emulator } from '../support/emulator';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Backend {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** Proxy flags for this backend. */
  args(): string[];
  env(): NodeJS.ProcessEnv;
}

function fileBackend(): Backend {
  let dir = '';
  return {
    name: 'in-process handler + file store',
    async setUp() {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-e2e-'));
    },
    async tearDown() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
    args: () => ['--data-dir', dir],
    env: () => ({}),
  };
}

/** The deployed shape: proxy → Lambda Invoke API → real handler → S3 API, all over HTTP with the real SDK. */
export function lambdaBackend(): Backend & { emulator(): Emulator } {
  let emu: Emulator | undefined;
  return {
    name: 'Lambda executor + S3 (emulator over HTTP)',
    async setUp() {
      emu = await startEmulator();
    },
    async tearDown() {
      await emu?.close();
    },
    args: () => ['--function', (emu as Emulator).functionName],
    env: () => lambdaEnv(emu as Emulator),
    emulator: () => emu as Emulator,
  };
}

/** What a proxy needs to reach the emulator as if it were AWS. */
export function lambdaEnv(emu: Emulator): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_REGION: emu.region,
    AWS_ACCESS_KEY_ID: emu.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emu.credentials.secretAccessKey,
  };
}

export function backends(): Backend[] {
  return [fileBackend(), lambdaBackend()];
}

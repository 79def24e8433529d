/** The executors the end-to-end suites run over. */
import * as fs from 'node:fs';
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

export function backends(): Backend[] {
  return [fileBackend()];
}

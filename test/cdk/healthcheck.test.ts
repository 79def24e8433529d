import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { HEALTH_CHECK_SCRIPT } from '../../lib/healthcheck';

/** Runs the probe exactly as ECS does (`node -e <script>`) against a port; resolves to its exit code. */
function probe(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', HEALTH_CHECK_SCRIPT], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

/** A server that records what it receives and answers with `reply` (or never, when null). */
async function server(reply: string | null): Promise<{ port: number; received: () => string; close: () => Promise<void> }> {
  let got = '';
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (reply !== null && got.endsWith('\r\n') && got.includes('PING')) s.write(reply);
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    received: () => got,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => srv.close(() => r()));
    },
  };
}

describe('container health check probe', () => {
  test.each([
    ['+PONG', '+PONG\r\n', 0],
    ['-NOAUTH (a password is set)', '-NOAUTH Authentication required.\r\n', 0],
    ['an error reply', '-ERR something else\r\n', 1],
    ['a non-RESP reply', 'HTTP/1.1 400 Bad Request\r\n', 1],
  ])('%s → exit %i', async (_name, reply, expected) => {
    const s = await server(reply);
    try {
      expect(await probe(s.port)).toBe(expected);
      // It speaks RESP: an array with one bulk string, PING.
      expect(s.received()).toBe('*1\r\n$4\r\nPING\r\n');
    } finally {
      await s.close();
    }
  });

  test('waits for the end of a reply split across packets', async () => {
    const split = net.createServer((c) =>
      c.once('data', () => {
        c.write('+PO');
        setTimeout(() => c.end('NG\r\n'), 100);
      }),
    );
    await new Promise<void>((r) => split.listen(0, '127.0.0.1', r));
    try {
      expect(await probe((split.address() as net.AddressInfo).port)).toBe(0);
    } finally {
      split.close();
    }
  });

  test('nothing listening → exit 1', async () => {
    const s = await server(null);
    const port = s.port;
    await s.close();
    expect(await probe(port)).toBe(1);
  });

  test('a server that never answers → exit 1 after its 2 s timeout', async () => {
    const s = await server(null);
    try {
      const started = Date.now();
      expect(await probe(s.port)).toBe(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    } finally {
      await s.close();
    }
  });
});

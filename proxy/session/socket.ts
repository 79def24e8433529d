/** How a session ends its socket, and waits for a client to read. */
import type { Socket } from 'node:net';

/**
 * After the last reply (QUIT, protocol error, internal error, shutdown) the
 * socket is half-closed and, once the replies are flushed, its input read and
 * dropped for this long: closing with unread input makes the kernel send RST,
 * which can destroy the reply before the client reads it, and a paused socket
 * would never see the client's FIN and never close.
 */
const LINGER_MS = 2000;

/** Nothing more is read or run: send what is written, half-close, linger, close. */
export function endAfterReplies(socket: Socket): void {
  // The linger starts once every reply is flushed, so a slow reader still gets them all.
  socket.end(() => setTimeout(() => socket.destroy(), LINGER_MS).unref());
  socket.resume();
}

/** Resolves once the client has taken the written replies (or the socket closed). */
export function waitForDrain(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}

/**
 * Closes the socket after `ms` without traffic, unless `busy()`: as in Redis,
 * a client waiting for the server (here: the handler) is not idle; one that
 * neither sends nor reads its replies is.
 */
export function closeWhenIdle(socket: Socket, ms: number, busy: () => boolean, onIdle: () => void): void {
  socket.setTimeout(ms);
  socket.on('timeout', () => {
    if (busy()) {
      socket.setTimeout(ms);
      return;
    }
    onIdle();
    socket.destroy();
  });
}

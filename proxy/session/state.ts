/** A connection's state as local commands and CLIENT LIST see it. */
import type { Socket } from 'node:net';
import type { ClientIo, SessionState } from '../local/types';

let nextId = 1;

export function newSessionState(socket: Socket, authenticated: boolean, io: () => ClientIo): SessionState {
  const now = Date.now();
  return {
    id: nextId++,
    addr: `${socket.remoteAddress}:${socket.remotePort}`,
    createdAt: now,
    protocol: 2,
    db: 0,
    authenticated,
    name: null,
    libName: null,
    libVer: null,
    lastCommandAt: now,
    lastCommand: 'NULL',
    netIn: 0,
    netOut: 0,
    commands: 0,
    io,
    tx: null,
    watching: new Map(),
  };
}

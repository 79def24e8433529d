/**
 * AUTH and the password check shared with HELLO. Passwords are compared in
 * constant time (on their SHA-256, so lengths don't leak either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { error, OK, type Reply } from '../resp/reply';
import { specOf, type LocalCommand, type ServerInfo, type SessionState } from './types';

export const WRONGPASS = error('WRONGPASS invalid username-password pair or user is disabled.');
export const NOAUTH = error('NOAUTH Authentication required.');

const digest = (b: Buffer | string) => createHash('sha256').update(b).digest();

/** Authenticates `s` as (user, pass); returns null on success or the error reply. */
export function authenticate(user: Buffer, pass: Buffer, s: SessionState, server: ServerInfo): Reply | null {
  // Only the default user exists. Without requirepass it has no password, so
  // Redis accepts any password for it.
  if (user.toString('latin1') !== 'default') return WRONGPASS;
  if (server.requirepass !== null && !timingSafeEqual(digest(pass), digest(server.requirepass))) return WRONGPASS;
  s.authenticated = true;
  return null;
}

export const auth: LocalCommand = {
  spec: specOf('auth'),
  run(args, s, server) {
    if (args.length > 2) return error('ERR syntax error');
    if (args.length === 1 && server.requirepass === null) {
      return error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
    }
    const [user, pass] = args.length === 1 ? [Buffer.from('default'), args[0]] : args;
    return authenticate(user, pass, s, server) ?? OK;
  },
};

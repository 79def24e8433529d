/**
 * MULTI, DISCARD and UNWATCH: the connection's transaction state, kept here.
 * What is queued and how EXEC leaves the proxy is in proxy/session/transaction.ts.
 */
import { error, OK } from '../resp/reply';
import { specOf, type LocalCommand } from './types';

export const multi: LocalCommand = {
  spec: specOf('multi'),
  run(_args, s) {
    // Inside a transaction the session answers MULTI itself (nesting is refused there).
    s.tx = { queued: [], dirty: false, bytes: 0, tooLarge: false };
    return OK;
  },
};

export const discard: LocalCommand = {
  spec: specOf('discard'),
  run(_args, s) {
    if (!s.tx) return error('ERR DISCARD without MULTI');
    s.tx = null;
    s.watching.clear();
    return OK;
  },
};

export const unwatch: LocalCommand = {
  spec: specOf('unwatch'),
  run(_args, s) {
    s.watching.clear();
    return OK;
  },
};

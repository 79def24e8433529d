/** Connection-level commands: HELLO, PING, ECHO, SELECT, QUIT, RESET, CLIENT. */
import { DATABASES } from '../../lambda/contract';
import { NOT_INTEGER } from '../../lambda/errors';
import { array, bulk, error, int, map, NULL, OK, simple, type Reply } from '../resp/reply';
import { authenticate } from './auth';
import { specOf, type LocalCommand, type SessionState, type ServerInfo } from './types';

const NOT_INTEGER_REPLY = error(NOT_INTEGER);

function helloReply(s: SessionState, server: ServerInfo): Reply {
  return map([
    [bulk('server'), bulk('redis')],
    [bulk('version'), bulk(server.version)],
    [bulk('proto'), int(s.protocol)],
    [bulk('id'), int(s.id)],
    [bulk('mode'), bulk('standalone')],
    [bulk('role'), bulk('master')],
    [bulk('modules'), array([])],
  ]);
}

export const hello: LocalCommand = {
  spec: specOf('hello'),
  run(args, s, server) {
    let proto: 2 | 3 = s.protocol;
    let i = 0;
    if (args.length > 0) {
      const v = args[0].toString('latin1');
      if (!/^-?\d+$/.test(v)) return error('ERR Protocol version is not an integer or out of range');
      if (v !== '2' && v !== '3') return error('NOPROTO unsupported protocol version');
      proto = v === '3' ? 3 : 2;
      i = 1;
    }
    let setName: Buffer | null = null;
    let authed = false;
    for (; i < args.length; i++) {
      const opt = args[i].toString('latin1').toLowerCase();
      const left = args.length - i - 1;
      if (opt === 'auth' && left >= 2) {
        const err = authenticate(args[i + 1], args[i + 2], s, server);
        if (err) return err;
        authed = true;
        i += 2;
      } else if (opt === 'setname' && left >= 1) {
        setName = args[++i];
        if (!validName(setName)) return error('ERR Client names cannot contain spaces, newlines or special characters.');
      } else {
        return error(`ERR Syntax error in HELLO option '${args[i].toString('latin1')}'`);
      }
    }
    if (!s.authenticated && !authed) {
      return error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
    }
    s.protocol = proto;
    if (setName) s.name = setName.length > 0 ? setName : null;
    return helloReply(s, server);
  },
};

/** Replies are never changed once made: one PONG serves every PING. */
const PONG = simple('PONG');

export const ping: LocalCommand = {
  spec: specOf('ping'),
  run(args) {
    if (args.length > 1) return error("ERR wrong number of arguments for 'ping' command");
    return args.length === 1 ? bulk(args[0]) : PONG;
  },
};

export const echo: LocalCommand = {
  spec: specOf('echo'),
  run([msg]) {
    return bulk(msg);
  },
};

export const select: LocalCommand = {
  spec: specOf('select'),
  run([index], s) {
    const v = index.toString('latin1');
    if (!/^-?\d+$/.test(v)) return NOT_INTEGER_REPLY;
    // Namespaces inside the one db.json; Redis's own error past them.
    const n = Number(v);
    if (!(n >= 0 && n < DATABASES)) return error('ERR DB index is out of range');
    s.db = n;
    return OK;
  },
};

export const quit: LocalCommand = {
  spec: specOf('quit'),
  run() {
    return { reply: OK, close: true };
  },
};

export const reset: LocalCommand = {
  spec: specOf('reset'),
  run(_args, s, server) {
    s.protocol = 2;
    s.db = 0;
    s.name = null;
    s.authenticated = server.requirepass === null;
    // As Redis's RESET: the transaction is discarded and every key unwatched.
    s.tx = null;
    s.watching.clear();
    return simple('RESET');
  },
};

export const client: LocalCommand = {
  spec: specOf('client'),
  run([sub, ...rest], s, server) {
    const name = sub.toString('latin1').toLowerCase();
    switch (name) {
      case 'setname':
        if (rest.length !== 1) return error("ERR wrong number of arguments for 'client|setname' command");
        if (!validName(rest[0])) return error('ERR Client names cannot contain spaces, newlines or special characters.');
        s.name = rest[0].length > 0 ? rest[0] : null;
        return OK;
      case 'getname':
        if (rest.length !== 0) return error("ERR wrong number of arguments for 'client|getname' command");
        return s.name ? bulk(s.name) : NULL;
      case 'id':
        if (rest.length !== 0) return error("ERR wrong number of arguments for 'client|id' command");
        return int(s.id);
      case 'setinfo': {
        if (rest.length !== 2) return error("ERR wrong number of arguments for 'client|setinfo' command");
        const attr = rest[0].toString('latin1').toLowerCase();
        if (attr !== 'lib-name' && attr !== 'lib-ver') return error(`ERR Unrecognized option '${rest[0].toString('latin1')}'`);
        if (!validName(rest[1])) return error(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
        if (attr === 'lib-name') s.libName = rest[1].toString('latin1');
        else s.libVer = rest[1].toString('latin1');
        return OK;
      }
      case 'info':
        return bulk(`${clientLine(s)}\n`);
      case 'list':
        return bulk(server.clients().map((c) => `${clientLine(c)}\n`).join(''));
      default:
        return error(`ERR unknown subcommand '${sub.toString('latin1').slice(0, 128)}'. Try CLIENT HELP.`);
    }
  },
};

function clientLine(s: SessionState): string {
  const now = Date.now();
  const io = s.io();
  return [
    `id=${s.id}`,
    `addr=${s.addr}`,
    `name=${s.name ? s.name.toString('latin1') : ''}`,
    `age=${Math.floor((now - s.createdAt) / 1000)}`,
    `idle=${Math.floor((now - s.lastCommandAt) / 1000)}`,
    `db=${s.db}`,
    `cmd=${s.lastCommand}`,
    `qbuf=${io.queryBuffer}`,
    `omem=${io.outputBuffer}`,
    `tot-net-in=${s.netIn}`,
    `tot-net-out=${s.netOut}`,
    `tot-cmds=${s.commands}`,
    // valthree's own: unanswered commands, and whether reading is paused (backpressure).
    `pipeline=${io.pipeline}`,
    `paused=${io.paused ? 1 : 0}`,
    `resp=${s.protocol}`,
    `lib-name=${s.libName ?? ''}`,
    `lib-ver=${s.libVer ?? ''}`,
  ].join(' ');
}

/** Redis allows printable ASCII without spaces in client names. */
function validName(b: Buffer): boolean {
  for (const c of b) if (c < 0x21 || c > 0x7e) return false;
  return true;
}

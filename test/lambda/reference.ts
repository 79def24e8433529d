/**
 * The engine against Debian's redis-server, command by command: the same
 * commands on a fresh document and on a flushed redis-server database (over
 * RESP3), their replies in one comparable form. Used by the reference tests
 * of strings and of scripts.
 */
import { type WireReply } from '../../lambda/contract';
import { toWire } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { contextFor, executeOne } from '../../lambda/engine';
import { Keyspace, Touched } from '../../lambda/commands/context';
import { startRedisServer, type ReferenceRedis } from '../support/redis-server';
import { RawClient, type Resp } from '../support/resp-client';

export function ours(r: WireReply): unknown {
  switch (r.t) {
    case 'bulk':
      return ['$', Buffer.from(r.v, 'base64').toString('latin1')];
    case 'verbatim':
      return ['=', Buffer.from(r.v, 'base64').toString('latin1')];
    case 'int':
      return [':', String(r.v)];
    case 'double':
      // Redis prints infinities as inf / -inf, which Number() does not read.
      return [',', r.v === 'inf' ? Infinity : r.v === '-inf' ? -Infinity : Number(r.v)];
    case 'array':
    case 'set':
      return [r.t, r.v.map(ours)];
    case 'map':
      return ['%', r.v.map(([k, v]) => [ours(k), ours(v)])];
    // What a RESP3 connection receives: an array of two-element arrays.
    case 'pairs':
      return ['array', r.v.map(([k, v]) => ['array', [ours(k), ours(v)]])];
    case 'null':
      return null;
    case 'blocked':
      // The engine alone cannot wait: compared as the timeout it would reach.
      return ours(r.onTimeout);
    default:
      return [r.t, r.v];
  }
}

export function theirs(r: Resp): unknown {
  switch (r.t) {
    case 'bulk':
      return ['$', r.v.toString('latin1')];
    case 'verbatim':
      return ['=', r.v.toString('latin1').slice(4)];
    case 'int':
      return [':', String(r.v)];
    case 'double':
      return [',', r.v];
    case 'array':
    case 'set':
      return [r.t, r.v.map(theirs)];
    case 'map':
      return ['%', r.v.map(([k, v]) => [theirs(k), theirs(v)])];
    case 'null':
      return null;
    default:
      return [r.t, r.v];
  }
}

/** A redis-server for the file's tests (started before them, stopped after), and `both` to run commands on it and on the engine. */
export function referenceRedis() {
  let redis: ReferenceRedis;
  let client: RawClient;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = await RawClient.connect(redis.port);
    await client.call('HELLO', '3');
  });
  afterAll(async () => {
    client?.close();
    await redis?.stop();
  });
  return {
    /** The connection to redis-server (RESP3), for tests that drive it themselves. */
    client: (): RawClient => client,
    /** Runs `commands` on a fresh redis-server database and a fresh document; returns both reply lists. */
    async both(commands: string[][]): Promise<{ mine: unknown[]; reference: unknown[] }> {
      await client.call('FLUSHALL');
      const doc = Document.empty();
      const mine: unknown[] = [];
      const reference: unknown[] = [];
      for (const c of commands) {
        const argv = c.map((w) => Buffer.from(w, 'latin1'));
        mine.push([c.join(' '), ours(toWire(executeOne(contextFor(new Keyspace(doc, new Touched(), 0, Date.now())), argv)))]);
        reference.push([c.join(' '), theirs(await client.call(...argv))]);
      }
      return { mine, reference };
    },
  };
}

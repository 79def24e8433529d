/**
 * The envelope every page shares (codec.ts's leaves and nodes, agg-codec.ts's
 * aggregate pages): a 4-byte magic, then the body, then the body's SHA-256.
 * Checked before anything is parsed, against the name it was fetched by.
 */
import { PageCorruptError } from './errors';
import { digestOf, DIGEST_BYTES, nameHash } from './name';

/** `bytes` without its digest, once it proves to be `kind` under `name`; PageCorruptError naming the page otherwise. */
export function checkedBody(name: string, bytes: Buffer, magic: Buffer, kind: string): Buffer {
  const fail = (why: string): never => {
    throw new PageCorruptError(name, why);
  };
  if (bytes.length < magic.length + 4 + DIGEST_BYTES) fail(`${bytes.length} bytes is too short`);
  const body = bytes.subarray(0, bytes.length - DIGEST_BYTES);
  const digest = bytes.subarray(bytes.length - DIGEST_BYTES);
  if (!digestOf(body).equals(digest)) fail('checksum mismatch');
  // A valid page under another ref's name would be wrong data that reads fine.
  if (nameHash(name) !== digest.subarray(0, 8).toString('hex')) fail('its checksum does not match its name');
  if (!body.subarray(0, magic.length).equals(magic)) fail(`not ${kind}`);
  return body;
}

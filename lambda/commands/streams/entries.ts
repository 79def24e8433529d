/** Stream entries as every reading command replies them: [id, [field, value, ...]]. */
import type { Reply } from '../../contract';
import { formatId, type StreamItem } from '../../document-values';
import { bulk } from '../types';

export function entryReply(e: StreamItem): Reply {
  return { t: 'array', v: [bulk(Buffer.from(formatId(e.id), 'latin1')), { t: 'array', v: e.fields.map(bulk) }] };
}

export const entriesReply = (items: Iterable<StreamItem>): Reply => ({ t: 'array', v: Array.from(items, entryReply) });

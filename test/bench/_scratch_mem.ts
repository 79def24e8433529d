import { MemoryStore } from '../support/memory-store';
import { prefillStore } from './prefill';
import { decodePage } from '../../lambda/pages/codec';
(async () => {
  const s = new MemoryStore();
  await prefillStore(s, 'db.json', 1000000, 64);
  const pages = [...s.objects].filter(([k]) => k.includes('.pages/')).map(([k, o]) => [k.slice(k.indexOf('.pages/') + 7), o.body] as const);
  const gc = (global as any).gc; gc(); 
  const m0 = process.memoryUsage();
  const dec = pages.map(([n, b]) => decodePage(n, b));
  gc();
  const m1 = process.memoryUsage();
  console.log('decoded', dec.length, 'heap +', ((m1.heapUsed - m0.heapUsed) / 1048576).toFixed(1), 'MiB ext +', ((m1.external - m0.external) / 1048576).toFixed(1));
  let n = 0;
  for (const p of dec) for (const r of p.recs.values()) if (r.e) n++;
  gc();
  const m2 = process.memoryUsage();
  console.log('parsed', n, dec.length, 'heap +', ((m2.heapUsed - m1.heapUsed) / 1048576).toFixed(1), 'MiB ext +', ((m2.external - m1.external) / 1048576).toFixed(1), 'abuf', (m2.arrayBuffers/1048576).toFixed(1));
})();

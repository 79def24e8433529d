/** Helpers of the reference tests: command scripts, and replies Redis gives in no defined order. */

/** One command per line, words split on spaces; '' is the empty word. */
export const script = (s: string): string[][] =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.split(' ').map((w) => (w === "''" ? '' : w)));

/**
 * `[command, reply]` rows with the replies of `commands` (upper-case names)
 * sorted: arrays, sets and maps of them in a canonical order, the rest as is.
 */
export function unordered(rows: unknown[], commands: ReadonlySet<string>): unknown[] {
  return rows.map((row) => {
    const [line, reply] = row as [string, unknown];
    if (!commands.has(line.split(' ')[0].toUpperCase()) || !Array.isArray(reply)) return row;
    const [tag, items] = reply as [string, unknown[]];
    return [line, [tag, [...items].map((x) => JSON.stringify(x)).sort()]];
  });
}

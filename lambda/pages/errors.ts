/**
 * A page that cannot be used (layout.ts §7): the texts name the page and say
 * that nothing was written. Apart from codec.ts so that the aggregate codecs
 * can throw them without importing the page codec.
 */
export class PageError extends Error {
  constructor(readonly page: string, what: string) {
    super(`db.json page ${page} ${what}; nothing was written`);
  }
}
export class PageMissingError extends PageError {
  constructor(page: string) {
    super(page, 'is missing, though the current db.json references it');
  }
}
export class PageCorruptError extends PageError {
  constructor(page: string, why: string) {
    super(page, `is corrupt: ${why}`);
  }
}

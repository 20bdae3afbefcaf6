// What text the product can store and show: PostgreSQL cannot hold NUL, and no field has a use for
// other control characters or for half of a UTF-16 surrogate pair.

/** Control characters other than tab, line feed and carriage return (C0, DEL, C1). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** Half of a surrogate pair without its other half: not a Unicode character at all. */
export const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text from outside (a provider's error message) made storable: each offending character replaced by U+FFFD. */
export function storableText(text: string): string {
  return text.replace(
    new RegExp(`${CONTROL_CHARACTER.source}|${LONE_SURROGATE.source}`, 'g'),
    '\uFFFD',
  );
}

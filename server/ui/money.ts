// Money as an org reads it: in the currency's own notation for the org's country (R$ 5.000,00 for
// BRL in Brazil), exact. The API's amounts are integers of minor units (BigInt in the database,
// possibly past 2^53): they are shifted by the currency's minor digits as decimal strings, which
// Intl.NumberFormat formats exactly, never through a floating-point number.

const formats = new Map<string, Intl.NumberFormat>();

function formatOf(locale: string, currency: string): Intl.NumberFormat {
  const id = `${locale} ${currency}`;
  let format = formats.get(id);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formats.set(id, format);
  }
  return format;
}

/** The language spoken in a country (ISO 3166-1 alpha-2) with that country, e.g. BR -> pt-BR. */
export function countryLocale(country: string): string {
  try {
    const likely = new Intl.Locale('und', { region: country.toUpperCase() }).maximize();
    return likely.region ? `${likely.language}-${likely.region}` : 'en';
  } catch {
    return 'en';
  }
}

/** `minor` units of `currency` (an integer, as a number, BigInt or its decimal string) as money. */
export function formatMoney(
  minor: bigint | number | string,
  currency: string,
  locale: string,
): string {
  const format = formatOf(locale, currency);
  const digits = format.resolvedOptions().maximumFractionDigits ?? 0;
  const units = BigInt(minor);
  const magnitude = (units < 0n ? -units : units).toString().padStart(digits + 1, '0');
  const whole = magnitude.slice(0, magnitude.length - digits);
  const decimal = digits === 0 ? whole : `${whole}.${magnitude.slice(-digits)}`;
  return format.format(`${units < 0n ? '-' : ''}${decimal}` as Intl.StringNumericLiteral);
}

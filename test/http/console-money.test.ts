import { describe, expect, it } from 'vitest';
import { countryLocale, formatMoney } from '../../server/ui/money.js';

// The console shows amounts (integers of minor units, possibly past 2^53) as money in the org's
// country's notation, exactly: digits are shifted as text, never through a floating-point number.

/** Intl separates the symbol with a no-break space; the expectations read better with a plain one. */
const money = (minor: bigint | number | string, currency: string, locale: string) =>
  formatMoney(minor, currency, locale).replace(/\u00a0/g, ' ');

describe('formatMoney', () => {
  it('shifts minor units by the currency’s digits: 2 (BRL), 0 (JPY), 3 (BHD)', () => {
    expect(money(500000, 'BRL', 'pt-BR')).toBe('R$ 5.000,00');
    expect(money(0, 'BRL', 'pt-BR')).toBe('R$ 0,00');
    expect(money(5, 'BRL', 'pt-BR')).toBe('R$ 0,05');
    expect(money(-1050, 'BRL', 'pt-BR')).toBe('-R$ 10,50');
    expect(money(123456, 'JPY', 'ja-JP')).toBe('￥123,456');
    expect(money(-7, 'JPY', 'ja-JP')).toBe('-￥7');
    expect(money(1234567, 'BHD', 'en-US')).toBe('BHD 1,234.567');
    expect(money(5, 'BHD', 'en-US')).toBe('BHD 0.005');
    expect(money(-5, 'KWD', 'en-US')).toBe('-KWD 0.005');
  });

  it('formats amounts past 2^53 exactly, as BigInt or as a decimal string', () => {
    const past = 2n ** 53n + 1n; // 9007199254740993: a double would read ...992
    expect(money(past, 'BRL', 'pt-BR')).toBe('R$ 90.071.992.547.409,93');
    expect(money(past.toString(), 'JPY', 'ja-JP')).toBe('￥9,007,199,254,740,993');
    expect(money(-(10n ** 21n) - 1n, 'BHD', 'en-US')).toBe('-BHD 1,000,000,000,000,000,000.001');
    expect(money('99999999999999999999', 'BRL', 'pt-BR')).toBe('R$ 999.999.999.999.999.999,99');
  });

  it('refuses what is not a whole number of minor units', () => {
    expect(() => formatMoney(10.5, 'BRL', 'pt-BR')).toThrow(RangeError);
    expect(() => formatMoney('10.5', 'BRL', 'pt-BR')).toThrow(SyntaxError);
  });
});

describe('countryLocale', () => {
  it('is the language of the org’s country with the country', () => {
    expect(countryLocale('BR')).toBe('pt-BR');
    expect(countryLocale('br')).toBe('pt-BR');
    expect(countryLocale('US')).toBe('en-US');
    expect(countryLocale('JP')).toBe('ja-JP');
    expect(money(500000, 'BRL', countryLocale('BR'))).toBe('R$ 5.000,00');
    expect(money(500000, 'USD', countryLocale('US'))).toBe('$5,000.00');
  });
});

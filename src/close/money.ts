/**
 * Money the way Close shows it (reference §10.3, §13.6): amounts are integers in the
 * currency's minor unit (cents for USD), and `*_formatted` is the amount in the
 * currency's symbol with thousands separators, without a fraction when the amount is
 * whole: `130000` USD -> `"$1,300"`, `130050` -> `"$1,300.50"`, `100000000` ->
 * `"$1,000,000"`. Formatting is `Intl.NumberFormat` in US English (Close's example).
 */

const formatters = new Map<string, { digits: number; whole: Intl.NumberFormat; fractional: Intl.NumberFormat }>();

function formattersFor(currency: string) {
  let f = formatters.get(currency);
  if (!f) {
    const base = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    const digits = base.resolvedOptions().maximumFractionDigits ?? 2;
    f = {
      digits,
      whole: new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 0, maximumFractionDigits: 0 }),
      fractional: base,
    };
    formatters.set(currency, f);
  }
  return f;
}

/** True when `code` is an ISO 4217 currency code this runtime can format. */
export function isCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  try {
    formattersFor(code);
    return true;
  } catch {
    return false;
  }
}

/**
 * Formats `minorUnits` of `currency` (ISO 4217), e.g. `formatMoney(130000, 'USD')` is
 * `"$1,300"`. The number of minor digits is the currency's (2 for USD, 0 for JPY).
 * @returns the text, or null when `minorUnits` is null.
 * @throws RangeError for a currency code `Intl` does not know.
 */
export function formatMoney(minorUnits: number | null, currency: string): string | null {
  if (minorUnits === null) return null;
  const f = formattersFor(currency);
  const scale = 10 ** f.digits;
  const amount = minorUnits / scale;
  return minorUnits % scale === 0 ? f.whole.format(amount) : f.fractional.format(amount);
}

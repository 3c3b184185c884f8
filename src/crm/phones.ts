/**
 * Phone numbers the way Close shows them (reference §10.3): stored E.164
 * (`+16503334444`), formatted in libphonenumber's INTERNATIONAL format
 * (`+1 650-333-4444`). Parsing and formatting are Google's libphonenumber; only the
 * choice of default region is ours.
 */
import lib from 'google-libphonenumber';

const util = lib.PhoneNumberUtil.getInstance();

/** A parsed, valid phone number. */
export interface PhoneInfo {
  /** E.164, e.g. `+16503334444`. */
  e164: string;
  /** International format, e.g. `+1 650-333-4444`. */
  formatted: string;
  /** ISO 3166 region, e.g. `US`; null when the number belongs to no single region. */
  country: string | null;
}

/**
 * Parses a phone number in national, E.164 or messy form (spaces, dashes, dots,
 * brackets). Numbers without a country code are read in `defaultRegion`.
 * @returns the number, or null when it is not a valid phone number.
 */
export function parsePhone(text: string, defaultRegion = 'US'): PhoneInfo | null {
  if (typeof text !== 'string' || !/\d/.test(text)) return null;
  try {
    const n = util.parseAndKeepRawInput(text, defaultRegion);
    if (!util.isValidNumber(n)) return null;
    return {
      e164: util.format(n, lib.PhoneNumberFormat.E164),
      formatted: util.format(n, lib.PhoneNumberFormat.INTERNATIONAL),
      country: util.getRegionCodeForNumber(n) ?? null,
    };
  } catch {
    return null;
  }
}

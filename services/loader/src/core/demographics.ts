/**
 * Open demographics by postal-code area, shaped after Statistics Finland's Paavo: CSV or JSON
 * with flat fields (JSON objects use the CSV column names):
 *
 *   country_code, postal_code, area_name, municipality, population, median_age, median_income,
 *   households, statistics_year,
 *   age_0_14, age_15_24, age_25_34, age_35_44, age_45_54, age_55_64, age_65_plus   (shares of the population)
 *   hh_single, hh_couple, hh_family_with_children, hh_other                         (shares of households)
 *
 * Keyed countryCode|postalCode; one file is one country's version and replaces that country's
 * areas. Shares are 0..1 and each group sums to 1 (within 0.02, for rounding), or is all 0 for an
 * area nobody lives in. Every record keeps the file name as its source: the attribution the
 * licence asks for travels with the data.
 */
import type { CdpReference } from '@cdp/plumbing';
import { KeyTracker, type DatasetDefinition, type KeyedRecord } from './dataset';
import { FieldReader } from './fields';

/** CSV column -> key of ageShares (the bands named in the schema). */
export const AGE_COLUMNS = { age_0_14: '0-14', age_15_24: '15-24', age_25_34: '25-34', age_35_44: '35-44', age_45_54: '45-54', age_55_64: '55-64', age_65_plus: '65+' } as const;
/** CSV column -> key of householdShares. */
export const HOUSEHOLD_COLUMNS = { hh_single: 'single', hh_couple: 'couple', hh_family_with_children: 'family_with_children', hh_other: 'other' } as const;

export const DEMOGRAPHICS_COLUMNS = [
  'country_code', 'postal_code', 'area_name', 'municipality', 'population', 'median_age', 'median_income', 'households', 'statistics_year',
  ...Object.keys(AGE_COLUMNS), ...Object.keys(HOUSEHOLD_COLUMNS),
] as const;

const SHARE_TOLERANCE = 0.02;

export const demographics: DatasetDefinition<CdpReference.AreaDemographics> = {
  name: 'demographics',
  topic: 'areaDemographics',
  formats: ['csv', 'json'],
  fields: { known: DEMOGRAPHICS_COLUMNS, required: ['country_code', 'postal_code', 'area_name', 'population', ...Object.keys(AGE_COLUMNS), ...Object.keys(HOUSEHOLD_COLUMNS)] },
  needsPartner: false,
  scopeDescription: "the country: a version is one country's postal-code areas",
  scopeKeyParts: 1,
  parse(rows, context, errors) {
    const areas = new KeyTracker();
    let country: { code: string; line: number } | undefined;
    const records: KeyedRecord<CdpReference.AreaDemographics>[] = [];
    for (const row of rows) {
      const r = FieldReader.of(row, errors);
      const countryCode = r.text('country_code', { required: true, pattern: /^[A-Za-z]{2}$/, expected: 'must be an ISO 3166-1 alpha-2 code such as FI' })?.toUpperCase();
      if (countryCode !== undefined) {
        country ??= { code: countryCode, line: row.line };
        if (country.code !== countryCode) r.fail('country_code', `is not ${country.code} (line ${country.line}): one file holds the areas of one country`);
      }
      const postalCode = r.text('postal_code', { required: true, max: 12, pattern: /^[A-Za-z0-9][A-Za-z0-9 -]*$/, expected: 'must be letters, digits, spaces and -' });
      if (postalCode !== undefined && countryCode === 'FI' && !/^\d{5}$/.test(postalCode)) r.fail('postal_code', 'must be 5 digits in Finland');
      const areaName = r.text('area_name', { required: true, max: 200 });
      const municipality = r.text('municipality', { max: 200 }) ?? null;
      const population = r.number('population', { required: true, integer: true, min: 0, max: 100_000_000 });
      const medianAge = r.number('median_age', { min: 0, max: 120, expected: 'must be an age from 0 to 120' }) ?? null;
      const medianIncome = r.number('median_income', { integer: true, min: 0, max: 10_000_000, expected: 'must be whole euros per year, at least 0' }) ?? null;
      const households = r.number('households', { integer: true, min: 0, max: 100_000_000 }) ?? null;
      const statisticsYear = r.number('statistics_year', { integer: true, min: 1900, max: 2100, expected: 'must be a year from 1900 to 2100' }) ?? null;
      const ageShares = sharesOf(r, AGE_COLUMNS, 'age');
      const householdShares = sharesOf(r, HOUSEHOLD_COLUMNS, 'household');
      if (countryCode !== undefined && postalCode !== undefined) {
        areas.claim(`${countryCode}|${postalCode}`, row.line, (first) => r.fail('postal_code', `${postalCode} is already on line ${first}`));
      }
      if (r.failed || countryCode === undefined || postalCode === undefined || areaName === undefined || population === undefined || !ageShares || !householdShares) continue;
      records.push({
        key: `${countryCode}|${postalCode}`,
        value: {
          countryCode,
          postalCode,
          areaName,
          municipality,
          population,
          medianAge,
          ageShares,
          medianIncome,
          households,
          householdShares,
          statisticsYear,
          sourceName: context.sourceName,
          sourceVersion: context.sourceVersion,
          loadedAt: context.loadedAt,
        },
      });
    }
    if (!country) return undefined;
    return { records, scope: { id: country.code, keyPrefix: `${country.code}|` } };
  },
};

/** The shares of one group (column -> band), each 0..1, summing to 1 or all 0; undefined on an error. */
function sharesOf(r: FieldReader, columns: Record<string, string>, group: string): Record<string, number> | undefined {
  const shares: Record<string, number> = {};
  let complete = true;
  for (const [column, band] of Object.entries(columns)) {
    const share = r.number(column, { required: true, min: 0, max: 1, expected: 'must be a share between 0 and 1' });
    if (share === undefined) complete = false;
    else shares[band] = share;
  }
  if (!complete) return undefined;
  const sum = Object.values(shares).reduce((a, b) => a + b, 0);
  if (sum !== 0 && Math.abs(sum - 1) > SHARE_TOLERANCE) {
    const columnsText = Object.keys(columns);
    r.fail(`${columnsText[0]}..${columnsText[columnsText.length - 1]}`, `${group} shares sum to ${sum.toFixed(3)}, not 1`);
    return undefined;
  }
  return shares;
}

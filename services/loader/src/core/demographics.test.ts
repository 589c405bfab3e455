import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDelivery } from './dataset';
import { demographics } from './demographics';

const context = { tenant: 'demo', salt: 'unused-salt-0123456789', sourceName: 'paavo.csv', loadedAt: 3 };
const HEADER = 'country_code,postal_code,area_name,municipality,population,median_age,median_income,households,statistics_year,age_0_14,age_15_24,age_25_34,age_35_44,age_45_54,age_55_64,age_65_plus,hh_single,hh_couple,hh_family_with_children,hh_other';
const AGES = '0.10,0.10,0.20,0.15,0.15,0.15,0.15';
const HOUSEHOLDS = '0.5,0.25,0.2,0.05';
const csv = (...rows: string[]) => parseDelivery(demographics, Buffer.from([HEADER, ...rows].join('\n')), 'csv', context);

describe('area demographics', () => {
  it('reads an area with its age and household shares as maps, keyed country|postal code', () => {
    const d = csv(`FI,00100,Helsinki keskusta,Helsinki,18900,34.5,32500,11728,2024,${AGES},${HOUSEHOLDS}`);
    expect(d.ok && d.scope).toEqual({ id: 'FI', keyPrefix: 'FI|' });
    expect(d.ok && d.records).toEqual([{
      key: 'FI|00100',
      value: {
        countryCode: 'FI', postalCode: '00100', areaName: 'Helsinki keskusta', municipality: 'Helsinki', population: 18900, medianAge: 34.5, medianIncome: 32500, households: 11728, statisticsYear: 2024,
        ageShares: { '0-14': 0.1, '15-24': 0.1, '25-34': 0.2, '35-44': 0.15, '45-54': 0.15, '55-64': 0.15, '65+': 0.15 },
        householdShares: { single: 0.5, couple: 0.25, family_with_children: 0.2, other: 0.05 },
        sourceName: 'paavo.csv', sourceVersion: expect.any(String), loadedAt: 3,
      },
    }]);
  });

  it('accepts an empty area whose shares are all 0', () => {
    expect(csv(`FI,00190,Suomenlinna,Helsinki,0,,,0,2024,0,0,0,0,0,0,0,0,0,0,0`).ok).toBe(true);
  });

  it('names the line, field and reason of every bad value', () => {
    const d = csv(
      `FI,00100,A,Helsinki,100,,,,,${AGES},${HOUSEHOLDS}`,
      `SE,11120,Stockholm,,100,,,,,${AGES},${HOUSEHOLDS}`,
      `FI,0010,B,,-5,130,,,1850,${AGES},${HOUSEHOLDS}`,
      `FI,00120,C,,100,,,,,0.5,0.5,0.5,0,0,0,0,${HOUSEHOLDS}`,
      `FI,00130,D,,100,,,,,${AGES},1.2,0,0,0`,
      `FI,00100,E,,100,,,,,${AGES},${HOUSEHOLDS}`,
    );
    expect(!d.ok && d.errors).toEqual([
      { line: 3, field: 'country_code', reason: 'is not FI (line 2): one file holds the areas of one country' },
      { line: 4, field: 'postal_code', reason: 'must be 5 digits in Finland' },
      { line: 4, field: 'population', reason: 'must be a whole number from 0 to 100000000' },
      { line: 4, field: 'median_age', reason: 'must be an age from 0 to 120' },
      { line: 4, field: 'statistics_year', reason: 'must be a year from 1900 to 2100' },
      { line: 5, field: 'age_0_14..age_65_plus', reason: 'age shares sum to 1.500, not 1' },
      { line: 6, field: 'hh_single', reason: 'must be a share between 0 and 1' },
      { line: 7, field: 'postal_code', reason: '00100 is already on line 2' },
    ]);
  });

  it('requires the share columns in the header', () => {
    const d = parseDelivery(demographics, Buffer.from('country_code,postal_code,area_name,population\nFI,00100,A,1\n'), 'csv', context);
    expect(!d.ok && d.errors.map((e) => e.field)).toEqual(['age_0_14', 'age_15_24', 'age_25_34', 'age_35_44', 'age_45_54', 'age_55_64', 'age_65_plus', 'hh_single', 'hh_couple', 'hh_family_with_children', 'hh_other']);
  });

  it('reads JSON objects with the CSV column names', () => {
    const item = { country_code: 'FI', postal_code: '33100', area_name: 'Tampere keskus', population: 9000, age_0_14: 0.1, age_15_24: 0.1, age_25_34: 0.2, age_35_44: 0.15, age_45_54: 0.15, age_55_64: 0.15, age_65_plus: 0.15, hh_single: 0.6, hh_couple: 0.2, hh_family_with_children: 0.15, hh_other: 0.05 };
    const d = parseDelivery(demographics, Buffer.from(JSON.stringify([item])), 'json', context);
    expect(d.ok && d.records[0]!.key).toBe('FI|33100');
  });

  it('accepts the demo sample: its figures are labelled invented, with the Paavo attribution', () => {
    const bytes = readFileSync(join(__dirname, '../../../../infra/data/demographics.csv'));
    const d = parseDelivery(demographics, bytes, 'csv', context);
    expect(d.ok && d.records.map((r) => r.value.postalCode)).toEqual(expect.arrayContaining(['00100', '00120', '00500', '00530', '02100', '02230', '33100', '33500', '20100', '90100']));
    expect(d.ok && d.records.length).toBeGreaterThanOrEqual(20);
    const text = bytes.toString('utf8');
    expect(text).toContain('NOT THE REAL PAAVO FIGURES');
    expect(text).toContain('Statistics Finland, Paavo');
    expect(text).toContain('CC BY 4.0');
  });
});

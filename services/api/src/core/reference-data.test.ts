import { ReferenceData } from './reference-data';

const membership = (tenant: string, partner: string, value: string, segments: string[]) => ({
  tenant, partner, identifier: { type: 'email_hash', value }, segments, sourceName: 'f', sourceVersion: 'v', loadedAt: 0,
});

describe('ReferenceData', () => {
  it('gives the partner segments of any of a person\'s identifiers, merged by partner', () => {
    const r = new ReferenceData();
    r.upsertMembership('t|p1|email_hash|a', membership('t', 'p1', 'a', ['outdoor']));
    r.upsertMembership('t|p1|email_hash|b', membership('t', 'p1', 'b', ['young-urban', 'outdoor']));
    r.upsertMembership('t|p0|email_hash|b', membership('t', 'p0', 'b', ['x']));
    r.upsertMembership('u|p1|email_hash|a', membership('u', 'p1', 'a', ['other-tenant']));
    const ids = [{ type: 'email_hash', value: 'a' }, { type: 'email_hash', value: 'b' }];
    expect(r.partnerSegmentsOf('t', ids)).toEqual([{ partner: 'p0', segments: ['x'] }, { partner: 'p1', segments: ['outdoor', 'young-urban'] }]);
    r.removeMembership('t|p0|email_hash|b');
    r.upsertMembership('t|p1|email_hash|b', membership('t', 'p1', 'b', ['gone-quiet']));
    expect(r.partnerSegmentsOf('t', ids)).toEqual([{ partner: 'p1', segments: ['gone-quiet', 'outdoor'] }]);
    expect(r.size.partnerMemberships).toBe(3);
  });

  it('answers an area by country and postal code until its tombstone', () => {
    const r = new ReferenceData();
    r.upsertArea('FI|00100', { countryCode: 'FI', postalCode: '00100', areaName: 'Keskusta', municipality: 'Helsinki', population: 10, medianAge: 40, ageShares: {}, medianIncome: 30000, households: 5, householdShares: {}, statisticsYear: 2024, sourceName: 's', sourceVersion: 'v', loadedAt: 0 });
    expect(r.areaOf('FI', '00100')).toEqual({ name: 'Keskusta', municipality: 'Helsinki', population: 10, medianAge: 40, medianIncomeEur: 30000 });
    r.removeArea('FI|00100');
    expect(r.areaOf('FI', '00100')).toBeUndefined();
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SuppressionList, type CdpPrivacy } from '@cdp/plumbing';
// Identity's own extraction, in a test only: ingest's list must name what identity reads from
// the same records, or a suppressed person's event would pass ingest and be dropped only later.
import { extractIdentifiers, isPreviousId, type InputEvent } from '../../../identity/src/core/identifiers';
import { DEFAULT_RULES, isBlocked } from '../../../identity/src/core/rules';
import { intakeSegment, intakeStore, type Accepted } from './intake';
import { merakiEvents, type MerakiPost } from './meraki';
import { hashEmail, hashMac, hashPhone } from './pii';
import { parseSources } from './sources';
import type { SegmentInput, SegmentType } from './segment';
import type { StoreEventInput } from './store';
import { identifiersOf, splitSuppressed, type IdentifierRef } from './suppression';

const salt = 'test-salt-0123456789';
const sources = parseSources(
  {
    sources: [
      { id: 'web-shop', writeKey: 'local-web', kind: 'segment', channel: 'WEB', tenant: 'demo' },
      { id: 'mobile-app', writeKey: 'local-app', kind: 'segment', channel: 'APP', tenant: 'demo' },
      { id: 'store-gateway', writeKey: 'local-store', kind: 'store', channel: 'STORE', tenant: 'demo' },
    ],
    stores: [{ id: 'HEL-1', tenant: 'demo' }],
  },
  'test',
);
const web = sources.byId('web-shop')!;
const app = sources.byId('mobile-app')!;
const store = sources.byId('store-gateway')!;
const receivedAt = Date.parse('2026-12-01T16:00:00Z');
const fixture = (...path: string[]) => JSON.parse(readFileSync(join(__dirname, '..', '..', 'test', 'fixtures', ...path), 'utf8'));

const segment = (items: SegmentInput[], source = web, type?: SegmentType): Accepted[] => {
  const intake = intakeSegment({ items, path: type ? '' : 'batch', ...(type ? { type } : {}) }, { source, receivedAt, salt });
  expect(intake.rejected).toEqual([]);
  return intake.accepted;
};
const storeEvents = (items: StoreEventInput[]): Accepted[] => {
  const intake = intakeStore(items, { source: store, receivedAt, salt, stores: sources });
  expect(intake.rejected).toEqual([]);
  return intake.accepted;
};
const meraki = (post: MerakiPost): Accepted[] => {
  const events = merakiEvents(post, { source: store, storeId: 'HEL-1', receivedAt: Date.parse('2026-11-23T12:00:00Z'), salt });
  return [...events.wifi.map((e) => ({ kind: 'wifi' as const, ...e })), ...events.beacons.map((e) => ({ kind: 'beacon' as const, ...e }))];
};

/** Every record ingest builds from its fixtures and from events that reach each way identity reads an identifier. */
function records(): Accepted[] {
  const wire: Accepted[] = [];
  for (const name of ['rudder-sdk-node-3.0.13.json', 'analytics-js-3.34.1.json']) {
    for (const request of fixture('rudderstack', name).requests as { path: string; body: { batch?: SegmentInput[] } & SegmentInput }[]) {
      const single = /^\/v1\/(track|page|screen|identify|alias|group)$/.exec(request.path)?.[1] as SegmentType | undefined;
      wire.push(...segment(single ? [request.body] : request.body.batch!, web, single));
    }
  }
  const extra = { externalIds: [{ id: 'CRM-77', type: 'Crm_Id', collection: 'users', encoding: 'none' }, { id: 'ACME-1', type: 'sf', collection: 'accounts' }, { id: 'x', type: 'bad type!' }, { id: { no: 1 }, type: 'obj' }] };
  const made = [
    ...segment([
      { type: 'identify', userId: ' u-1 ', anonymousId: 'a-1', traits: { email: 'Anna@Example.com', phone: '+358 40 123 4567', loyaltyCard: 12345, customer_number: ' C-9 ', name: 'Anna' } },
      { type: 'track', event: 'Viewed', anonymousId: 'a-2', context: { traits: { loyalty_card_number: 'LC-2', email: 'b@example.com' }, ...extra } },
      { type: 'group', userId: 'u-3', groupId: 'g-1', traits: { email: 'office@acme.example', customerId: 'ACME' }, context: { traits: { phone: '+358 50 765 4321' } } },
      // Aliases: the browser's (previousId is the anonymousId), a server-side one, and one naming the user id itself.
      { type: 'alias', userId: 'u-4', anonymousId: 'a-4', previousId: 'a-4' },
      { type: 'alias', userId: 'u-5', previousId: 'old-5' },
      { type: 'alias', userId: 'u-6', previousId: 'u-6' },
      // Placeholders: identity never reads them as identifiers, and they are never suppressed.
      { type: 'page', anonymousId: 'guest', userId: 'null', traits: { loyaltyCard: '0' } },
      // A site that uses the e-mail as user id: hashed by ingest.
      { type: 'track', event: 'Bought', userId: 'Anna@Example.com' },
      // As analytics-node sends an identify: the traits only at the top, no context.traits.
      { type: 'identify', userId: 'u-10', traits: { email: 'c@example.com', phone: '040 765 4321' } },
      { type: 'track', event: 'Nothing', anonymousId: 'a-7', properties: { customerId: 'in-properties' }, traits: { plan: 'gold' } },
    ]),
    ...segment([{ type: 'screen', anonymousId: 'install-1', userId: 'u-8', context: { device: { id: ' dev-1 ' } } }], app),
    ...segment([{ type: 'page', anonymousId: 'a-9', context: { device: { id: 'web-device' } } }], web),
    ...storeEvents([
      { type: 'pos_transaction', timestamp: '2026-12-01T15:00:00Z', storeId: 'HEL-1', receiptId: 'R-1', currency: 'EUR', total: 1, loyaltyCard: ' LC-1 ', customerId: 'C-1', lines: [{ sku: 'A', quantity: 1, price: 1 }] },
      { type: 'pos_transaction', timestamp: '2026-12-01T15:00:00Z', storeId: 'HEL-1', receiptId: 'R-2', currency: 'EUR', total: 1, lines: [{ sku: 'A', quantity: 1, price: 1 }] },
      { type: 'beacon_sighting', timestamp: '2026-12-01T15:00:00Z', storeId: 'HEL-1', appInstallId: 'install-1', userId: 'u-8', beaconUuid: 'B', major: 1, minor: 2, rssi: -60 },
      { type: 'wifi_observation', timestamp: '2026-12-01T15:00:00Z', storeId: 'HEL-1', apMac: '0c:8d:db:6e:10:01', clientMac: '00:1b:63:84:45:e6', rssi: -60 },
      { type: 'wifi_observation', timestamp: '2026-12-01T15:00:00Z', storeId: 'HEL-1', apMac: '0c:8d:db:6e:10:01', clientMac: 'da:a1:19:5c:2e:07', rssi: -60 },
      { type: 'people_count', timestamp: '2026-12-01T15:00:00Z', storeId: 'HEL-1', sensorId: 'S-1', kind: 'zone_occupancy', occupancy: 3 },
    ]),
    ...meraki(fixture('meraki', 'wifi-v3.json')),
    ...meraki(fixture('meraki', 'ble-v3.json')),
  ];
  return [...wire, ...made];
}

const AVRO_NAMES = { segment: 'cdp.web.SegmentEvent', pos: 'cdp.store.PosTransaction', beacon: 'cdp.store.BeaconSighting', wifi: 'cdp.store.WifiObservation' } as const;
const asSet = (ids: readonly IdentifierRef[]) => [...new Set(ids.map((i) => `${i.type}|${i.value}`))].sort();

describe('identifiersOf', () => {
  it('agrees with identity\'s extractIdentifiers on every record ingest builds from its fixtures', () => {
    const all = records();
    expect(all.length).toBeGreaterThan(30);
    let compared = 0;
    for (const record of all) {
      const ours = identifiersOf(record).filter((id) => !isBlocked(DEFAULT_RULES, id.value));
      if (record.kind === 'peopleCount') {
        expect(ours).toEqual([]);
        continue;
      }
      const theirs = extractIdentifiers({ [AVRO_NAMES[record.kind]]: record.value } as InputEvent, DEFAULT_RULES)
        // An untyped previous id is what identity's graph writer types later: ingest checks both types it can be.
        .flatMap((id) => (isPreviousId(id) ? [{ type: 'anonymous_id', value: id.value }, { type: 'user_id', value: id.value }] : [id]));
      expect({ event: record.value.envelope.eventId, ids: asSet(ours) }).toEqual({ event: record.value.envelope.eventId, ids: asSet(theirs) });
      if (theirs.length > 0) compared++;
    }
    // The comparison reached records with identifiers of every kind, not only empty lists.
    expect(compared).toBeGreaterThan(25);
  });

  it('lists the hashed identifiers, as ingest stores them', () => {
    const [identify, track, group, , serverAlias] = records().slice(7);
    expect(asSet(identifiersOf(identify!))).toEqual(asSet([
      { type: 'user_id', value: 'u-1' },
      { type: 'anonymous_id', value: 'a-1' },
      { type: 'email_hash', value: hashEmail(salt, 'anna@example.com') },
      { type: 'phone_hash', value: hashPhone(salt, '+358 40 123 4567') },
      { type: 'loyalty_card', value: '12345' },
      { type: 'customer_id', value: 'C-9' },
    ]));
    expect(asSet(identifiersOf(track!))).toEqual(asSet([
      { type: 'anonymous_id', value: 'a-2' },
      { type: 'loyalty_card', value: 'LC-2' },
      { type: 'email_hash', value: hashEmail(salt, 'b@example.com') },
      { type: 'external:crm_id', value: 'CRM-77' },
    ]));
    // A group's own traits are the company's: only the person's context.traits count.
    expect(asSet(identifiersOf(group!))).toEqual(asSet([{ type: 'user_id', value: 'u-3' }, { type: 'phone_hash', value: hashPhone(salt, '+358 50 765 4321') }]));
    expect(asSet(identifiersOf(serverAlias!))).toEqual(asSet([{ type: 'user_id', value: 'u-5' }, { type: 'anonymous_id', value: 'old-5' }, { type: 'user_id', value: 'old-5' }]));
    const [wifi, randomised] = storeEvents([
      { type: 'wifi_observation', timestamp: '2026-12-01T15:00:00Z', storeId: 'HEL-1', apMac: '0c:8d:db:6e:10:01', clientMac: '00:1b:63:84:45:e6', rssi: -60 },
      { type: 'wifi_observation', timestamp: '2026-12-01T15:00:00Z', storeId: 'HEL-1', apMac: '0c:8d:db:6e:10:01', clientMac: 'da:a1:19:5c:2e:07', rssi: -60 },
    ]);
    expect(identifiersOf(wifi!)).toEqual([{ type: 'wifi_mac_hash', value: hashMac(salt, '00:1b:63:84:45:e6') }]);
    expect(identifiersOf(randomised!)).toEqual([]);
  });
});

describe('splitSuppressed', () => {
  const suppression = (tenant: string, type: string, value: string, requestId = 'er-1'): CdpPrivacy.Suppression => ({ tenant, identifier: { type, value }, requestId, since: 1 });
  const batch = () => segment([
    { type: 'track', event: 'A', anonymousId: 'a-1', messageId: 'm-1' },
    { type: 'identify', userId: 'u-2', traits: { email: 'erased@example.com' }, messageId: 'm-2' },
    { type: 'track', event: 'C', anonymousId: 'a-3', messageId: 'm-3' },
  ]);

  it('does nothing but a size check while nothing is suppressed: the same array back', () => {
    const accepted = batch();
    const list = { size: 0, suppressedBy: () => { throw new Error('looked up with an empty list'); } };
    const { kept, suppressed } = splitSuppressed(accepted, list);
    expect(kept).toBe(accepted);
    expect(suppressed).toEqual([]);
  });

  it('takes out the records carrying a suppressed identifier of their tenant, with the request, until the suppression is withdrawn', () => {
    const list = new SuppressionList();
    list.add(suppression('demo', 'email_hash', hashEmail(salt, 'erased@example.com')));
    list.add(suppression('other-tenant', 'anonymous_id', 'a-1', 'er-2'));
    const accepted = batch();
    const first = splitSuppressed(accepted, list);
    expect(first.kept.map((r) => r.value.envelope.eventId)).toEqual(['m-1', 'm-3']);
    expect(first.suppressed.map((s) => [s.record.value.envelope.eventId, s.requestId])).toEqual([['m-2', 'er-1']]);
    expect(accepted).toHaveLength(3);

    list.add(suppression('demo', 'anonymous_id', 'a-1', 'er-3'));
    expect(splitSuppressed(accepted, list).kept.map((r) => r.value.envelope.eventId)).toEqual(['m-3']);

    // Tombstones: the erasures withdrawn, every record passes again.
    list.removeKey(`demo|email_hash|${hashEmail(salt, 'erased@example.com')}`);
    list.removeKey('demo|anonymous_id|a-1');
    const after = splitSuppressed(accepted, list);
    expect(list.size).toBe(1);
    expect(after.kept).toBe(accepted);
    expect(after.suppressed).toEqual([]);
  });
});

import type { CdpWeb } from '@cdp/plumbing';
import { IdentityGraph, personIdOf } from './graph';
import type { InputEvent } from './identifiers';
import { DEFAULT_RULES } from './rules';
import { IdentityTable, stitch } from './stitch';

const context = { ip: null, userAgent: null, locale: null, timezone: null, libraryName: null, libraryVersion: null, pageUrl: null, pagePath: null, pageReferrer: null, pageTitle: null, pageSearch: null, campaignName: null, campaignSource: null, campaignMedium: null, campaignTerm: null, campaignContent: null, appName: null, appVersion: null, deviceId: null, deviceType: null, osName: null, osVersion: null, extra: null };
const event = (id: string, over: Partial<CdpWeb.SegmentEvent>): InputEvent => ({
  'cdp.web.SegmentEvent': {
    envelope: { eventId: id, eventTime: 10, receivedTime: 10, source: 's', tenant: 'demo', schemaVersion: 1 },
    type: 'TRACK', channel: 'WEB', anonymousId: null, userId: null, event: 'X', name: null, category: null, previousId: null, groupId: null,
    properties: null, traits: null, integrations: null, sentAt: null, originalTimestamp: null, context, ...over,
  },
});

describe('stitch', () => {
  it('attributes an event before the graph knows it, and asks the graph writer to learn it', () => {
    const table = new IdentityTable();
    const first = stitch(event('e1', { anonymousId: 'a1' }), DEFAULT_RULES, table);
    expect(first.resolved).toEqual({ personId: personIdOf('demo', { type: 'anonymous_id', value: 'a1' }), identifiers: [{ type: 'anonymous_id', value: 'a1' }] });
    expect(first.link).toEqual({ tenant: 'demo', eventId: 'e1', eventTime: 10, identifiers: [{ type: 'anonymous_id', value: 'a1' }] });
  });

  it('answers from the table the graph writer publishes, merges resolved, and sends no link for what it knows', () => {
    const graph = new IdentityGraph(() => DEFAULT_RULES);
    const table = new IdentityTable();
    const publish = (r: ReturnType<IdentityGraph['applyLink']>) => {
      r.assignments.forEach((a) => table.setAssignment(a));
      r.merges.forEach((m) => table.setMerge(m));
    };
    publish(graph.applyLink('demo', [{ type: 'anonymous_id', value: 'a1' }], 1, 'e1', 1));
    const login = stitch(event('e2', { anonymousId: 'a1', userId: 'u1', type: 'IDENTIFY' }), DEFAULT_RULES, table);
    // The user id outranks the cookie: the event is the account's, and the writer gets the link.
    expect(login.resolved.personId).toBe(personIdOf('demo', { type: 'user_id', value: 'u1' }));
    expect(login.link?.identifiers).toEqual([{ type: 'user_id', value: 'u1' }, { type: 'anonymous_id', value: 'a1' }]);
    publish(graph.applyLink('demo', login.link!.identifiers as never, 2, 'e2', 2));
    const later = stitch(event('e3', { anonymousId: 'a1' }), DEFAULT_RULES, table);
    expect(later).toEqual({ resolved: { personId: graph.personOf('demo', { type: 'user_id', value: 'u1' }), identifiers: [{ type: 'anonymous_id', value: 'a1' }] } });
  });

  it('gives an event without a usable identifier no person and no link', () => {
    expect(stitch(event('e4', { anonymousId: 'guest', userId: 'null' }), DEFAULT_RULES, new IdentityTable())).toEqual({ resolved: { personId: null, identifiers: [] } });
  });
});

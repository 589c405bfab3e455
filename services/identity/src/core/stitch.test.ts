import type { CdpWeb } from '@cdp/plumbing';
import { IdentityGraph, personIdOf } from './graph';
import { PREVIOUS_ID, type InputEvent } from './identifiers';
import { DEFAULT_RULES } from './rules';
import { IdentityTable, stitch } from './stitch';

const context = { ip: null, userAgent: null, locale: null, timezone: null, libraryName: null, libraryVersion: null, pageUrl: null, pagePath: null, pageReferrer: null, pageTitle: null, pageSearch: null, campaignName: null, campaignSource: null, campaignMedium: null, campaignTerm: null, campaignContent: null, appName: null, appVersion: null, deviceId: null, deviceType: null, osName: null, osVersion: null, consent: null, extra: null };
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

  describe('a server-side alias (analytics-node: previousId is the browser\'s anonymous id, no anonymousId)', () => {
    const alias = (id: string) => event(id, { type: 'ALIAS', event: null, userId: 'u1', previousId: 'a1' });
    const browsing = (id: string) => event(id, { anonymousId: 'a1' });
    const u1 = personIdOf('demo', { type: 'user_id', value: 'u1' });
    /** One stitcher and the graph writer, the writer's output read back into the stitcher's table. */
    const pipeline = () => {
      const graph = new IdentityGraph(() => DEFAULT_RULES);
      const table = new IdentityTable();
      return (e: InputEvent) => {
        const s = stitch(e, DEFAULT_RULES, table);
        if (s.link) {
          const r = graph.applyLink(s.link.tenant, s.link.identifiers as never, s.link.eventTime, s.link.eventId, 1);
          expect(r.conflicts).toEqual([]);
          r.assignments.forEach((a) => table.setAssignment(a));
          r.merges.forEach((m) => table.setMerge(m));
        }
        return s;
      };
    };

    it('after the anonymous events: the event is typed from the table, the link left for the writer to type, and the browsing joins the user', () => {
      const run = pipeline();
      const anonymous = run(browsing('e1')).resolved.personId;
      const s = run(alias('e2'));
      expect(s.resolved).toEqual({ personId: u1, identifiers: [{ type: 'user_id', value: 'u1' }, { type: 'anonymous_id', value: 'a1' }] });
      expect(s.link?.identifiers).toEqual([{ type: 'user_id', value: 'u1' }, { type: PREVIOUS_ID, value: 'a1' }]);
      expect(run(browsing('e3')).resolved.personId).toBe(u1);
      expect(anonymous).not.toBe(u1);
    });

    it('before the anonymous events: an anonymous id for the event, and the later browsing is the user\'s', () => {
      const run = pipeline();
      expect(run(alias('e2')).resolved.identifiers).toEqual([{ type: 'user_id', value: 'u1' }, { type: 'anonymous_id', value: 'a1' }]);
      expect(run(browsing('e1'))).toEqual({ resolved: { personId: u1, identifiers: [{ type: 'anonymous_id', value: 'a1' }] } });
    });

    it('always sends the link, even when the table already has the alias: only the writer knows the whole graph', () => {
      const run = pipeline();
      run(alias('e1'));
      expect(run(alias('e2')).link?.identifiers).toEqual([{ type: 'user_id', value: 'u1' }, { type: PREVIOUS_ID, value: 'a1' }]);
    });

    it('a previous id the table knows as a user id is one for the event too', () => {
      const table = new IdentityTable();
      table.setAssignment({ tenant: 'demo', identifier: { type: 'user_id', value: 'old' }, personId: 'p_old', firstSeen: 1, updatedAt: 1 });
      const s = stitch(event('e1', { type: 'ALIAS', event: null, userId: 'u1', previousId: 'old' }), DEFAULT_RULES, table);
      expect(s.resolved.identifiers).toEqual([{ type: 'user_id', value: 'u1' }, { type: 'user_id', value: 'old' }]);
      expect(s.link?.identifiers).toEqual([{ type: 'user_id', value: 'u1' }, { type: PREVIOUS_ID, value: 'old' }]);
    });
  });

  it('forgets an erased identifier and merge when their tombstones arrive', () => {
    const table = new IdentityTable();
    table.setAssignment({ tenant: 'demo', identifier: { type: 'anonymous_id', value: 'a1' }, personId: 'p_a', firstSeen: 1, updatedAt: 1 });
    table.setMerge({ tenant: 'demo', fromPersonId: 'p_a', toPersonId: 'p_b', mergedAt: 1, causeEventId: 'e', link: [], viaPersonId: null });
    expect(table.personOf('demo', { type: 'anonymous_id', value: 'a1' })).toBe('p_b');
    table.removeMerge('demo|p_a');
    expect(table.personOf('demo', { type: 'anonymous_id', value: 'a1' })).toBe('p_a');
    table.removeAssignment('demo|anonymous_id|a1');
    expect(table.personOf('demo', { type: 'anonymous_id', value: 'a1' })).toBeUndefined();
    expect(table.size).toEqual({ identifiers: 0, merges: 0 });
  });
});

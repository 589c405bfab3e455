/**
 * `pnpm bench:identity`: identity's core in one process, without Kafka (the Kafka side is
 * measured by `pnpm bench`). Three figures for one tenant:
 *
 * 1. links applied per second by the single graph writer (IdentityGraph.applyLink);
 * 2. memory per million identifiers of the graph writer's state and of a stitcher's table;
 * 3. events stitched per second by one stitcher (stitch() against an IdentityTable).
 *
 *   pnpm bench:identity [--identifiers 1000000] [--events 500000]
 *
 * Every input is generated before its clock starts, so generation is not measured. The script
 * runs under `node --expose-gc`: memory is heapUsed after a full collection, before and after.
 * The default run peaks near 2 GB of heap; past about 2 million identifiers give Node more than
 * its default heap: NODE_OPTIONS=--max-old-space-size=8192 pnpm bench:identity --identifiers 4000000
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import type { CdpIdentity, CdpStore, CdpWeb } from '@cdp/plumbing';
// Relative imports: @cdp/bench does not list @cdp/identity as a dependency (a service, not a library).
import { IdentityGraph } from '../../services/identity/src/core/graph';
import { envelopeOf, type Identifier, type InputEvent } from '../../services/identity/src/core/identifiers';
import { DEFAULT_RULES, rankOf, type RuleBook } from '../../services/identity/src/core/rules';
import { IdentityTable, stitch } from '../../services/identity/src/core/stitch';
import { describeMachine, mulberry32, positive, shortMachine } from './common';

const say = (line: string) => process.stdout.write(`${line}\n`);
const n = (x: number) => Math.round(x).toLocaleString('en');
const pct = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(1)} %`;
const MB = 2 ** 20;
const GB = 2 ** 30;
/** V8 refuses a 2^24th + 1 entry in one Map or Set; the graph and the table each keep identifiers in one Map. */
const V8_MAP_MAX = 2 ** 24;

const TENANT = 'bench';
const BOOK: RuleBook = { rulesOf: () => DEFAULT_RULES };
const T0 = Date.UTC(2025, 9, 1);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SPAN = 60 * DAY;

// Shares of the visitors of one retailer's web shop, app and stores.
const LOGGED_IN = 0.4; // log in on the web (user_id), after browsing anonymously
const SECOND_BROWSER = 0.3; // of the logged-in: log in on a second browser too
const USES_APP = 0.35; // of the logged-in: also use the app (device id + the app's anonymous id)
const GIVES_EMAIL = 0.6; // of the logged-in: identify with an e-mail (hashed at ingest)
const HAS_CARD = 0.3; // of the logged-in: a loyalty card, registered on the web and shown at the till
const CARD_ONLY = 0.08; // of the anonymous: a loyalty card at the till, never linked to the web
const RACED = 0.15; // a link sent twice: the visitor's next event reached a stitcher before the table knew the first
const VISITORS_PER_KIOSK = 25_000; // one shared in-store kiosk that several customers log in on: conflicts


class Ids {
  private users = 0;
  private cards = 0;
  constructor(private readonly rng: () => number) {}
  private hex8 = () => ((this.rng() * 2 ** 32) >>> 0).toString(16).padStart(8, '0');
  /** Segment's anonymousId: a UUID v4. */
  uuid(): string {
    const [a, b, c, d] = [this.hex8(), this.hex8(), this.hex8(), this.hex8()];
    return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-${'89ab'[c.charCodeAt(0) & 3]}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }
  /** An app install (identifierForVendor style). */
  device = () => this.uuid().toUpperCase();
  /** HMAC-SHA-256, hex: how ingest hashes an e-mail. */
  hash = () => Array.from({ length: 8 }, this.hex8).join('');
  user = () => `cust-${1_000_000 + this.users++}`;
  card = () => `2${String(100_000_000_000 + this.cards++ * 37).padStart(12, '0')}`;
}

interface Visitor {
  anon: string;
  userId: string | null;
  anon2: string | null;
  deviceId: string | null;
  appAnon: string | null;
  emailHash: string | null;
  card: string | null;
}
interface Kiosk {
  anon: string;
  users: string[];
}

const anonymous = (value: string): Identifier => ({ type: 'anonymous_id', value });
const userId = (value: string): Identifier => ({ type: 'user_id', value });
/** Strongest first, as the stitcher writes a link's identifiers. */
const ordered = (ids: Identifier[]): Identifier[] => ids.sort((a, b) => rankOf(DEFAULT_RULES, a.type) - rankOf(DEFAULT_RULES, b.type));

interface Population {
  visitors: Visitor[];
  kiosks: Kiosk[];
  /** The links as JSON text, in event-time order: what the writer's consumer would read. */
  wire: string[];
  raced: number;
}

/**
 * Visitors until the stream holds `target` distinct identifiers, and the links the stitchers
 * would send for them: one per first-seen identifier or join, spread over two months and ordered
 * by event time, so visitors interleave as they do in a tenant's partition.
 */
function population(target: number, rng: () => number): Population {
  const ids = new Ids(rng);
  const visitors: Visitor[] = [];
  const kiosks: Kiosk[] = [];
  const planned: { t: number; ids: Identifier[] }[] = [];
  const loggedIn: string[] = [];
  let raced = 0;
  const plan = (t: number, link: Identifier[]) => {
    planned.push({ t, ids: ordered(link) });
    if (rng() < RACED) {
      planned.push({ t: t + 500, ids: link });
      raced++;
    }
  };
  let count = 0;
  while (count < target) {
    const t = T0 + rng() * SPAN;
    const logsIn = rng() < LOGGED_IN;
    const v: Visitor = { anon: ids.uuid(), userId: null, anon2: null, deviceId: null, appAnon: null, emailHash: null, card: null };
    plan(t, [anonymous(v.anon)]);
    if (logsIn) {
      v.userId = ids.user();
      loggedIn.push(v.userId);
      const user = userId(v.userId);
      if (rng() < GIVES_EMAIL) v.emailHash = ids.hash();
      plan(t + rng() * 2 * HOUR, [user, anonymous(v.anon), ...(v.emailHash ? [{ type: 'email_hash' as const, value: v.emailHash }] : [])]);
      if (rng() < SECOND_BROWSER) {
        v.anon2 = ids.uuid();
        const t2 = t + rng() * 20 * DAY;
        plan(t2, [anonymous(v.anon2)]);
        plan(t2 + rng() * 10 * MINUTE, [user, anonymous(v.anon2)]);
      }
      if (rng() < USES_APP) {
        v.deviceId = ids.device();
        v.appAnon = ids.uuid();
        const t3 = t + rng() * 20 * DAY;
        const device: Identifier = { type: 'device_id', value: v.deviceId };
        plan(t3, [device, anonymous(v.appAnon)]);
        plan(t3 + rng() * 5 * MINUTE, [user, device, anonymous(v.appAnon)]);
      }
      if (rng() < HAS_CARD) {
        v.card = ids.card();
        const card: Identifier = { type: 'loyalty_card', value: v.card };
        // Half show the card at the till before registering it on the web: the receipt's
        // person then merges into the account.
        const till = t + rng() * 30 * DAY;
        const registered = t + rng() * 30 * DAY;
        plan(till, [card]);
        plan(registered, [user, card, anonymous(v.anon)]);
      }
    } else if (rng() < CARD_ONLY) {
      v.card = ids.card();
      plan(t + rng() * 30 * DAY, [{ type: 'loyalty_card', value: v.card }]);
    }
    count += [v.anon, v.userId, v.anon2, v.deviceId, v.appAnon, v.emailHash, v.card].filter((x) => x !== null).length;
    visitors.push(v);
    if (visitors.length % VISITORS_PER_KIOSK === 0 && loggedIn.length > 6 && count < target) {
      // Customers log in on the store's kiosk one after another: the first takes the kiosk's
      // anonymous id into their person; each next login is a second user id, refused.
      const k: Kiosk = { anon: ids.uuid(), users: Array.from({ length: 3 + Math.floor(rng() * 4) }, () => loggedIn[Math.floor(rng() * loggedIn.length)]!) };
      const tk = T0 + rng() * SPAN;
      plan(tk, [anonymous(k.anon)]);
      k.users.forEach((u, i) => plan(tk + (i + 1) * HOUR, [userId(u), anonymous(k.anon)]));
      kiosks.push(k);
      count++;
    }
  }
  planned.sort((a, b) => a.t - b.t);
  const wire = planned.map((p, i): string => {
    const link: CdpIdentity.IdentityLink = { tenant: TENANT, eventId: `ajs-next-${Math.floor(p.t).toString(36)}-${i.toString(36).padStart(7, '0')}`, eventTime: Math.floor(p.t), identifiers: p.ids };
    return JSON.stringify(link);
  });
  return { visitors, kiosks, wire, raced };
}

// ---------------------------------------------------------------------------------------------
// Events for the stitcher: Segment page/track/identify from web and app, and till receipts.

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36',
];
const PAGES: [path: string, title: string, category: string][] = [
  ['/', 'Outdoor & running | Shop', 'home'],
  ['/c/shoes', 'Shoes | Shop', 'c'],
  ['/c/jackets', 'Jackets | Shop', 'c'],
  ['/p/sku-1042', 'Icebug Trail Shoe 42 | Shop', 'p'],
  ['/search', 'Search | Shop', 'search'],
  ['/cart', 'Cart | Shop', 'cart'],
];
const TRACKS: [event: string, properties: string][] = [
  ['Product Viewed', '{"product_id":"SKU-1042","sku":"SKU-1042","name":"Icebug Trail Shoe 42","category":"Shoes","brand":"Icebug","price":149.9,"currency":"EUR"}'],
  ['Product Added', '{"product_id":"SKU-1017","sku":"SKU-1017","category":"Jackets","price":229,"quantity":1,"currency":"EUR","cart_id":"cart-8f3a"}'],
  ['Products Searched', '{"query":"gore-tex"}'],
  ['Checkout Started', '{"order_id":"o-48211","value":149.9,"currency":"EUR","products":[{"product_id":"SKU-1042","price":149.9,"quantity":1}]}'],
  ['Order Completed', '{"order_id":"o-48211","total":154.8,"revenue":120.82,"tax":29.08,"shipping":4.9,"currency":"EUR","products":[{"product_id":"SKU-1042","price":149.9,"quantity":1}]}'],
];
/** Unknown context keys travel as JSON text in context.extra; the stitcher parses it for traits and externalIds. */
const EXTRAS = [null, null, '{"screen":{"width":1920,"height":1080,"density":1}}', '{"screen":{"width":390,"height":844,"density":3},"network":{"wifi":true}}'];
const LINES: CdpStore.PosLine[][] = [
  [{ lineNumber: 1, sku: 'SKU-1042', quantity: 1, unitPriceMinor: 14990, discountMinor: 0, totalMinor: 14990 }],
  [
    { lineNumber: 1, sku: 'SKU-2001', quantity: 2, unitPriceMinor: 399, discountMinor: 0, totalMinor: 798 },
    { lineNumber: 2, sku: 'SKU-3107', quantity: 0.734, unitPriceMinor: 1290, discountMinor: 100, totalMinor: 847 },
  ],
];

interface EventMix {
  events: InputEvent[];
  unknownVisitors: number;
  newBrowsers: number;
  kioskLogins: number;
  receipts: number;
}

function eventMix(count: number, pop: Population, rng: () => number): EventMix {
  const ids = new Ids(mulberry32(7));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
  const loggedIn = pop.visitors.filter((v) => v.userId !== null);
  const cards = pop.visitors.flatMap((v) => (v.card ? [v.card] : []));
  const mix: EventMix = { events: [], unknownVisitors: 0, newBrowsers: 0, kioskLogins: 0, receipts: 0 };
  const now = T0 + SPAN;
  const envelope = (i: number, source: string): CdpWeb.SegmentEvent['envelope'] => ({ eventId: `ajs-next-ev-${i.toString(36).padStart(7, '0')}`, eventTime: now + i, receivedTime: now + i + 40, source, tenant: TENANT, schemaVersion: 1 });
  const segment = (i: number, web: { anonymousId: string; userId: string | null }, app: { deviceId: string; os: string } | null, type: 'page' | 'track' | 'identify', traits: string | null): InputEvent => {
    const [path, title, category] = pick(PAGES);
    const [event, properties] = pick(TRACKS);
    return {
      'cdp.web.SegmentEvent': {
        envelope: envelope(i, app ? 'shop-app' : 'web-shop'),
        type: type === 'page' ? 'PAGE' : type === 'track' ? 'TRACK' : 'IDENTIFY',
        channel: app ? 'APP' : 'WEB',
        anonymousId: web.anonymousId,
        userId: web.userId,
        event: type === 'track' ? event : null,
        name: type === 'page' ? title.split(' | ')[0]! : null,
        category: type === 'page' ? category : null,
        previousId: null,
        groupId: null,
        properties: type === 'track' ? properties : type === 'page' ? `{"path":"${path}","title":"${title}","url":"https://shop.example.fi${path}"}` : null,
        traits,
        integrations: null,
        sentAt: now + i + 20,
        originalTimestamp: now + i,
        context: {
          ip: `84.${i % 250}.${(i >> 8) % 250}.${(i * 7) % 250}`,
          userAgent: app ? null : pick(USER_AGENTS),
          locale: 'fi-FI',
          timezone: 'Europe/Helsinki',
          libraryName: app ? (app.os === 'iOS' ? 'analytics-swift' : 'analytics-kotlin') : 'analytics.js',
          libraryVersion: app ? '1.7.2' : 'npm:next-1.84.0',
          pageUrl: app ? null : `https://shop.example.fi${path}`,
          pagePath: app ? null : path,
          pageReferrer: null,
          pageTitle: app ? null : title,
          pageSearch: null,
          campaignName: null,
          campaignSource: null,
          campaignMedium: null,
          campaignTerm: null,
          campaignContent: null,
          appName: app ? 'Shop' : null,
          appVersion: app ? '5.12.0' : null,
          deviceId: app ? app.deviceId : null,
          deviceType: app ? (app.os === 'iOS' ? 'ios' : 'android') : null,
          osName: app ? app.os : null,
          osVersion: app ? (app.os === 'iOS' ? '18.1' : '15') : null,
          consent: null,
          extra: pick(EXTRAS),
        },
      },
    };
  };
  const receipt = (i: number, loyaltyCard: string | null): InputEvent => ({
    'cdp.store.PosTransaction': {
      envelope: envelope(i, 'store-gateway'),
      storeId: `store-${101 + (i % 40)}`,
      receiptId: `r-${i.toString(36)}`,
      registerId: `till-${1 + (i % 6)}`,
      kind: 'SALE',
      loyaltyCard,
      customerId: null,
      consent: null,
      currency: 'EUR',
      totalMinor: 14990,
      paymentMethod: 'card',
      lines: pick(LINES),
    },
  });
  for (let i = 0; i < count; i++) {
    const roll = rng();
    const type = rng() < 0.35 ? 'page' : 'track';
    if (roll < 0.03) {
      // A first visit: an anonymous id no stitcher has seen.
      mix.unknownVisitors++;
      mix.events.push(segment(i, { anonymousId: ids.uuid(), userId: null }, null, 'page', null));
    } else if (roll < 0.035) {
      // A known customer logs in on a new browser.
      mix.newBrowsers++;
      mix.events.push(segment(i, { anonymousId: ids.uuid(), userId: pick(loggedIn).userId }, null, 'identify', null));
    } else if (roll < 0.036 && pop.kiosks.length > 0) {
      // The kiosk again: its anonymous id and a user id of another person, every time.
      mix.kioskLogins++;
      const k = pick(pop.kiosks);
      mix.events.push(segment(i, { anonymousId: k.anon, userId: k.users[k.users.length - 1]! }, null, 'track', null));
    } else if (roll < 0.12) {
      // Till receipts: about half with a loyalty card.
      mix.receipts++;
      mix.events.push(receipt(i, rng() < 0.5 && cards.length > 0 ? pick(cards) : null));
    } else {
      const v = pick(pop.visitors);
      if (v.deviceId && v.appAnon && rng() < 0.4) {
        mix.events.push(segment(i, { anonymousId: v.appAnon, userId: v.userId }, { deviceId: v.deviceId, os: rng() < 0.55 ? 'iOS' : 'Android' }, 'track', null));
      } else if (v.userId && rng() < 0.05) {
        // identify: traits as ingest writes them (e-mail hashed), the loyalty card among them.
        const traits = JSON.stringify({ emailHash: v.emailHash ?? undefined, loyaltyCard: v.card ?? undefined, firstName: 'Aino', loyaltyTier: 'silver' });
        mix.events.push(segment(i, { anonymousId: v.anon, userId: v.userId }, null, 'identify', traits));
      } else {
        const second = v.anon2 !== null && rng() < 0.3;
        // Logged-in customers browse logged out some of the time.
        const user = v.userId !== null && (second || rng() < 0.7) ? v.userId : null;
        mix.events.push(segment(i, { anonymousId: second ? v.anon2! : v.anon, userId: user }, null, type, null));
      }
    }
  }
  return mix;
}

// ---------------------------------------------------------------------------------------------
// Each phase runs in its own function: a finished loop in main() would leave its iterator in
// main's frame, and the GC would still count what it iterated over.

interface Applied {
  links: number;
  seconds: number;
  assignments: number;
  mergeRecords: number;
  conflicts: number;
  conflictIds: Set<string>;
}

function applyAll(graph: IdentityGraph, wire: readonly string[]): Applied {
  // Decoded before the clock, as the consumer hands the writer decoded records; fresh strings, so
  // what the graph keeps is its own and counts in its memory.
  const links = wire.map((line) => JSON.parse(line) as CdpIdentity.IdentityLink);
  const out: Applied = { links: links.length, seconds: 0, assignments: 0, mergeRecords: 0, conflicts: 0, conflictIds: new Set() };
  const t = performance.now();
  for (const link of links) {
    const r = graph.applyLink(link.tenant, link.identifiers as Identifier[], link.eventTime, link.eventId, Date.now());
    out.assignments += r.assignments.length;
    out.mergeRecords += r.merges.length;
    if (r.conflicts.length > 0) {
      out.conflicts += r.conflicts.length;
      for (const c of r.conflicts) out.conflictIds.add(c.conflictId);
    }
  }
  out.seconds = (performance.now() - t) / 1000;
  return out;
}

/** A flat copy of a string, as a decoder makes: V8 would otherwise share the graph's. */
const fresh = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');

/**
 * The stitcher's table as read from the compacted topics: the latest assignment of every
 * identifier (the graph's person for it now), and the flat merges. Every string is the table's
 * own, as in a separate process, so none is shared with the graph and counted only there.
 */
function tableOf(graph: IdentityGraph, wire: readonly string[]): IdentityTable {
  const table = new IdentityTable();
  const updatedAt = Date.now();
  for (const line of wire) {
    // Parsed again: fresh identifier strings. An identifier in several links is set again, as
    // the compacted topic's later records would.
    const link = JSON.parse(line) as CdpIdentity.IdentityLink;
    for (const identifier of link.identifiers) {
      const personId = fresh(graph.personOf(link.tenant, identifier)!);
      table.setAssignment({ tenant: link.tenant, identifier, personId, firstSeen: link.eventTime, updatedAt });
    }
  }
  for (const [from, to] of graph.merges()) {
    table.setMerge({ tenant: TENANT, fromPersonId: fresh(from), toPersonId: fresh(to), mergedAt: updatedAt, causeEventId: 'bench', link: [], viaPersonId: null });
  }
  return table;
}

function stitchAll(events: readonly InputEvent[], table: IdentityTable): { seconds: number; withLink: number; withoutPerson: number } {
  let withLink = 0;
  let withoutPerson = 0;
  const t = performance.now();
  for (const event of events) {
    // As the adapter does: the rules of the event's tenant, then stitch.
    const { resolved, link } = stitch(event, BOOK.rulesOf(envelopeOf(event).tenant), table);
    if (link) withLink++;
    if (resolved.personId === null) withoutPerson++;
  }
  return { seconds: (performance.now() - t) / 1000, withLink, withoutPerson };
}

function heapUsed(): number {
  // One full collection: a second one frees nothing more here and costs seconds on a big heap.
  global.gc!();
  return process.memoryUsage().heapUsed;
}


function main(): void {
  const { values } = parseArgs({ options: { identifiers: { type: 'string', default: '1000000' }, events: { type: 'string', default: '500000' } } });
  const target = positive('identifiers', values.identifiers);
  const eventCount = positive('events', values.events);
  if (typeof global.gc !== 'function') {
    console.error('bench:identity needs node --expose-gc to measure memory: run it as `pnpm bench:identity`');
    process.exit(2);
  }
  const started = performance.now();
  const machine = describeMachine();
  say("bench:identity: identity's core in this one process, no Kafka (the Kafka side is measured by `pnpm bench`)");
  say(`  machine: ${machine}`);
  say(`  options: --identifiers ${target} --events ${eventCount}`);
  say(`  rules:   DEFAULT_RULES (priority ${DEFAULT_RULES.priority.join(' > ')}; at most ${Object.entries(DEFAULT_RULES.limits).map(([t, l]) => `${l} ${t}`).join(', ')} per person); one tenant`);
  say(`  load average (1 min) at start: ${loadavg()[0]!.toFixed(2)}  (other work on the machine skews every figure)`);
  say('  (MB and GB are 2^20 and 2^30 bytes; heap figures are heapUsed after a full collection)');

  // -- 1. The graph writer ----------------------------------------------------------------------
  let t = performance.now();
  const pop = population(target, mulberry32(20_251_130));
  say('\n1. graph writer: links applied per second (IdentityGraph.applyLink, one writer, one tenant)');
  say(
    `  stream: ${n(pop.visitors.length)} visitors and ${pop.kiosks.length} shared kiosk${pop.kiosks.length === 1 ? '' : 's'} -> ${n(pop.wire.length)} links, built in ${((performance.now() - t) / 1000).toFixed(1)} s (not measured)`,
  );
  say(
    `          ${pct(LOGGED_IN, 1)} log in; of those ${pct(SECOND_BROWSER, 1)} on a second browser, ${pct(USES_APP, 1)} in the app, ${pct(GIVES_EMAIL, 1)} give an e-mail, ${pct(HAS_CARD, 1)} a loyalty card; ${pct(CARD_ONLY, 1)} of the rest only a card at the till; ${n(pop.raced)} links (${pct(pop.raced, pop.wire.length)}) sent twice`,
  );
  const baseline = heapUsed();
  const graph = new IdentityGraph((tenant) => BOOK.rulesOf(tenant));
  const { links: linkCount, seconds: applySeconds, assignments, mergeRecords, conflicts, conflictIds } = applyAll(graph, pop.wire);
  const afterGraph = heapUsed();
  const graphBytes = afterGraph - baseline;
  const size = graph.size;
  const linksPerSecond = linkCount / applySeconds;
  say(`  links/s:     ${n(linksPerSecond)}  (${n(linkCount)} links in ${applySeconds.toFixed(2)} s)`);
  say(`  identifiers: ${n(size.identifiers)}`);
  say(`  persons:     ${n(size.persons)}  (${(size.identifiers / size.persons).toFixed(2)} identifiers each)`);
  say(`  merges:      ${n(size.merges)} persons absorbed  (${n(mergeRecords)} merge records written)`);
  say(`  conflicts:   ${n(conflicts)} joins refused  (${conflictIds.size} distinct, from the kiosks)`);
  say(`  assignments: ${n(assignments)} records for the compacted topic  (${(assignments / size.identifiers).toFixed(2)} per identifier)`);

  // -- 2. Memory --------------------------------------------------------------------------------
  t = performance.now();
  const table = tableOf(graph, pop.wire);
  const tableSeconds = (performance.now() - t) / 1000;
  const tableBytes = heapUsed() - afterGraph;
  const perMillion = (bytes: number) => (bytes / size.identifiers) * 1_000_000;
  const at50m = (bytes: number) => (perMillion(bytes) * 50) / GB;
  say('\n2. memory per 1,000,000 identifiers (heapUsed after gc, before and after building each)');
  say(`  graph writer (IdentityGraph):    ${(graphBytes / MB).toFixed(0)} MB for ${n(size.identifiers)} identifiers and ${n(size.persons)} persons -> ${(perMillion(graphBytes) / MB).toFixed(0)} MB per million (${(graphBytes / size.identifiers).toFixed(0)} bytes per identifier)`);
  say(`  stitcher (IdentityTable):        ${(tableBytes / MB).toFixed(0)} MB for ${n(table.size.identifiers)} assignments and ${n(table.size.merges)} merges (filled from the graph in ${tableSeconds.toFixed(1)} s) -> ${(perMillion(tableBytes) / MB).toFixed(0)} MB per million (${(tableBytes / size.identifiers).toFixed(0)} bytes per identifier)`);
  say(`  50 million identifiers would need about ${at50m(graphBytes).toFixed(1)} GB in the graph writer, ${at50m(tableBytes).toFixed(1)} GB per stitcher (linear; same mix of persons and merges)`);
  say(`  but: this Node's heap limit is ${(getHeapStatistics().heap_size_limit / GB).toFixed(1)} GB (raise it with --max-old-space-size), and one V8 Map holds at most ${n(V8_MAP_MAX)} entries,`);
  say(`       so one graph writer or one table holds at most ${n(V8_MAP_MAX)} identifiers of a partition as the code stands, whatever the memory`);
  if (table.size.identifiers !== size.identifiers || table.size.merges !== size.merges) {
    say(`  note: the table differs from the graph (${n(table.size.identifiers)} vs ${n(size.identifiers)} identifiers, ${n(table.size.merges)} vs ${n(size.merges)} merges)`);
  }

  // -- 3. One stitcher --------------------------------------------------------------------------
  pop.wire.length = 0;
  t = performance.now();
  const mix = eventMix(eventCount, pop, mulberry32(42));
  say('\n3. stitcher: events stitched per second (stitch() against the IdentityTable above, one stitcher)');
  say(
    `  events: ${n(eventCount)} built in ${((performance.now() - t) / 1000).toFixed(1)} s (not measured): Segment page/track/identify from web and app by known visitors, ` +
      `${pct(mix.receipts, eventCount)} till receipts (half with a loyalty card), ${pct(mix.unknownVisitors, eventCount)} first visits, ${pct(mix.newBrowsers, eventCount)} logins on a new browser, ${pct(mix.kioskLogins, eventCount)} kiosk logins`,
  );
  const { seconds: stitchSeconds, withLink, withoutPerson } = stitchAll(mix.events, table);
  const eventsPerSecond = eventCount / stitchSeconds;
  say(`  events/s:  ${n(eventsPerSecond)}  (${n(eventCount)} events in ${stitchSeconds.toFixed(2)} s)`);
  say(`  links:     ${pct(withLink, eventCount)} of the events produced a link for the graph writer  (${n(withLink)})`);
  say(`  no person: ${pct(withoutPerson, eventCount)} carried no identifier  (receipts without a card)`);

  say(`\n  whole run: ${((performance.now() - started) / 1000).toFixed(1)} s; load average (1 min) at end: ${loadavg()[0]!.toFixed(2)}`);
  say(
    `\nreadme: identity core in one process (no Kafka), ${n(size.identifiers)} identifiers: one graph writer applies ${n(linksPerSecond)} links/s, one stitcher stitches ${n(eventsPerSecond)} events/s ` +
      `(${pct(withLink, eventCount)} make a link); ${(perMillion(graphBytes) / MB).toFixed(0)} MB per million identifiers in the writer, ${(perMillion(tableBytes) / MB).toFixed(0)} MB per stitcher ` +
      `(${shortMachine()})`,
  );
}

main();

/**
 * Property-based tests of the IdentityGraph against a brute-force oracle.
 *
 * Random sequences of links over a deliberately tiny universe of identifiers (so that merges,
 * chains of merges and refused joins happen in almost every run) are applied to the graph and to
 * ORACLE, a naive re-implementation of the semantics documented at the top of graph.ts: plain
 * arrays of sets, linear scans, counts recomputed from scratch for every decision. The graph must
 * agree with it after every link, publish flat merge records, never break a limit, and rebuild
 * from its own output (compacted, or not yet) to a graph that behaves identically (the graph
 * writer's kill -9 restart, including a link applied twice). The same checks run under other
 * rule sets, so the rules are shown to be honoured, not hard-coded.
 *
 * Links print compactly in counterexamples: `ids: ['u0', 'a3']` is user_id u0 and anonymous_id
 * a3 (u user_id, c loyalty_card, e email_hash, d device_id, a anonymous_id), `t` the event time.
 * `?u0` is an alias's untyped previous id of value u0 (a server-side alias): the oracle types it
 * by its own reading of the rule in previous-id.ts, so the value u0 may end up an anonymous id
 * too, and later be known under two types. `?x0`, `?x1` are values nothing else ever carries.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { CdpIdentity } from '@cdp/plumbing';
import { IdentityGraph, LIMIT_EXCEEDED, personIdOf, type LinkResult } from './graph';
import { isPreviousId, PREVIOUS_ID, type Identifier, type LinkIdentifier } from './identifiers';
import { DEFAULT_RULES, rankOf, type IdentityRules } from './rules';

// ---------------------------------------------------------------------------------------------
// Generated links
// ---------------------------------------------------------------------------------------------

const TYPE_OF_LETTER: Record<string, Identifier['type']> = { u: 'user_id', c: 'loyalty_card', e: 'email_hash', d: 'device_id', a: 'anonymous_id' };
const UNIVERSE = [...['u0', 'u1', 'u2', 'u3'], ...['c0', 'c1', 'c2'], ...['e0', 'e1', 'e2', 'e3'], ...['d0', 'd1', 'd2'], ...['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']];
const UNTYPED_ONLY = ['x0', 'x1'];
/** 'u0' is user_id u0; '?u0' an untyped previous id of value u0. */
const identifier = (short: string): LinkIdentifier => (short.startsWith('?') ? { type: PREVIOUS_ID, value: short.slice(1) } : { type: TYPE_OF_LETTER[short[0]!]!, value: short });

interface Link {
  tenant: string;
  /** Short names, strongest first under the tenant's rules (as extractIdentifiers sorts them; an untyped previous id by its own rank). */
  ids: string[];
  t: number;
  eventId: string;
}

type RulesOf = (tenant: string) => IdentityRules;

/**
 * 1..maxLength links of 1..4 distinct identifiers, one or two tenants, event times
 * non-decreasing; half of them also carry an untyped previous id.
 */
const linksArb = (rulesOf: RulesOf, minLength = 1, maxLength = 60): fc.Arbitrary<Link[]> =>
  fc
    .array(
      fc.record({
        tenant: fc.oneof({ arbitrary: fc.constant('t0'), weight: 3 }, { arbitrary: fc.constant('t1'), weight: 1 }),
        ids: fc.oneof(
          { arbitrary: fc.uniqueArray(fc.constantFrom(...UNIVERSE), { minLength: 1, maxLength: 4 }), weight: 3 },
          // Identifiers of one type only: persons of the same best type meet, so the survivor is
          // decided by firstSeen or by the id, not by the type.
          { arbitrary: fc.constantFrom(...Object.keys(TYPE_OF_LETTER)).chain((l) => fc.uniqueArray(fc.constantFrom(...UNIVERSE.filter((s) => s[0] === l)), { minLength: 1, maxLength: 3 })), weight: 1 },
        ),
        // Mostly a few values again and again, so that one is typed an anonymous id before it is
        // seen under its own type, and then known under both.
        previous: fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 3 },
          { arbitrary: fc.constantFrom('u0', 'c0', 'e0', 'd0', 'a0'), weight: 2 },
          { arbitrary: fc.constantFrom(...UNIVERSE, ...UNTYPED_ONLY), weight: 1 },
        ),
        dt: fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: 5 }), weight: 2 }),
      }),
      { minLength, maxLength },
    )
    .map((raw) => {
      let t = 1;
      return raw.map(({ tenant, ids: typed, previous, dt }, i) => {
        t += dt;
        const ids = previous === undefined ? typed : [...typed, `?${previous}`];
        const rules = rulesOf(tenant);
        // Stable sort: the extraction order (here: generation order) breaks ties.
        const sorted = ids.map((s, j) => ({ s, j, rank: rankOf(rules, identifier(s).type) })).sort((a, b) => a.rank - b.rank || a.j - b.j);
        return { tenant, ids: sorted.map((x) => x.s), t, eventId: `e${i}` };
      });
    });

const NOW = 1_000_000;
const apply = (graph: IdentityGraph, link: Link, i: number): LinkResult => graph.applyLink(link.tenant, link.ids.map(identifier), link.t, link.eventId, NOW + i);
const valueOfKey = (key: string): string => key.split('|').slice(2).join('|');

// ---------------------------------------------------------------------------------------------
// The oracle: independent, naive, slow on purpose.
// ---------------------------------------------------------------------------------------------

interface OracleRefusal {
  refused: Identifier;
  personId: string;
  otherPersonId: string;
  /** Every limited type the join would have exceeded. */
  exceeded: string[];
}

interface OracleStep {
  /** The link's identifiers, its previous id typed, strongest first. */
  ids: Identifier[];
  personId: string;
  refusals: OracleRefusal[];
  /** from -> to, one per person whose survivor changed, in no particular order. */
  merges: Array<{ from: string; to: string }>;
}

class Oracle {
  /** Every identifier ever seen: key tenant|type|value, with its first event time. */
  private readonly seen: Array<{ key: string; firstSeen: number }> = [];
  /** The current persons; an identifier is in exactly one. */
  private persons: Array<{ id: string; members: Set<string> }> = [];
  /** Every absorbed person and the survivor it now belongs to. */
  private readonly absorbed: Array<{ from: string; to: string }> = [];

  constructor(private readonly rulesOf: RulesOf) {}

  static key(tenant: string, id: Identifier): string {
    return `${tenant}|${id.type}|${id.value}`;
  }

  personOf(key: string): string | undefined {
    for (const p of this.persons) if (p.members.has(key)) return p.id;
    return undefined;
  }

  firstSeenOf(key: string): number {
    const s = this.seen.find((x) => x.key === key);
    if (!s) throw new Error(`oracle: ${key} never seen`);
    return s.firstSeen;
  }

  private typeOf(key: string): string {
    return key.split('|')[1]!;
  }

  private person(id: string): { id: string; members: Set<string> } {
    const p = this.persons.find((x) => x.id === id);
    if (!p) throw new Error(`oracle: no person ${id}`);
    return p;
  }

  private count(personId: string, type: string): number {
    return [...this.person(personId).members].filter((k) => this.typeOf(k) === type).length;
  }

  private bestRank(rules: IdentityRules, personId: string): number {
    return Math.min(...[...this.person(personId).members].map((k) => rankOf(rules, this.typeOf(k))));
  }

  private firstSeenOfPerson(personId: string): number {
    return Math.min(...[...this.person(personId).members].map((k) => this.firstSeenOf(k)));
  }

  /** Stronger best type, then earlier firstSeen, then the lexicographically smaller id. */
  private survivor(rules: IdentityRules, a: string, b: string): string {
    const ra = this.bestRank(rules, a);
    const rb = this.bestRank(rules, b);
    if (ra !== rb) return ra < rb ? a : b;
    const fa = this.firstSeenOfPerson(a);
    const fb = this.firstSeenOfPerson(b);
    if (fa !== fb) return fa < fb ? a : b;
    return a < b ? a : b;
  }

  /**
   * The rule of previous-id.ts, read naively: the link's own identifier of that value, else a
   * type it is known under that is with a person of the link's other identifiers, else any type
   * it is known under, else anonymous_id; of several, the best rank, then the smaller type name.
   * Then the whole link sorted again by rank, ties in the link's order.
   */
  private typed(link: Link): Identifier[] {
    const rules = this.rulesOf(link.tenant);
    const all = link.ids.map(identifier);
    const others = all.filter((id): id is Identifier => !isPreviousId(id));
    const best = (types: string[]): string | undefined =>
      [...types].sort((x, y) => rankOf(rules, x) - rankOf(rules, y) || (x < y ? -1 : x > y ? 1 : 0))[0];
    const out = all.flatMap((id): Identifier[] => {
      if (!isPreviousId(id)) return [id];
      if (others.some((o) => o.value === id.value)) return [];
      const known = this.seen.filter((s) => s.key.startsWith(`${link.tenant}|`) && valueOfKey(s.key) === id.value).map((s) => s.key);
      const personsOfOthers = others.map((o) => this.personOf(Oracle.key(link.tenant, o))).filter((p) => p !== undefined);
      const withOthers = known.filter((k) => personsOfOthers.includes(this.personOf(k)!));
      const type = best(withOthers.map((k) => this.typeOf(k))) ?? best(known.map((k) => this.typeOf(k))) ?? 'anonymous_id';
      return [{ type: type as Identifier['type'], value: id.value }];
    });
    const ranked = out.map((id, i) => ({ id, i }));
    ranked.sort((x, y) => rankOf(rules, x.id.type) - rankOf(rules, y.id.type) || x.i - y.i);
    return ranked.map((x) => x.id);
  }

  applyLink(link: Link): OracleStep {
    const rules = this.rulesOf(link.tenant);
    const ids = this.typed(link);
    const keys = ids.map((id) => Oracle.key(link.tenant, id));
    ids.forEach((id, i) => {
      if (this.seen.some((s) => s.key === keys[i])) return;
      this.seen.push({ key: keys[i]!, firstSeen: link.t });
      const pid = personIdOf(link.tenant, id);
      if (this.persons.some((p) => p.id === pid) || this.absorbed.some((m) => m.from === pid)) throw new Error(`oracle: provisional id ${pid} reused`);
      this.persons.push({ id: pid, members: new Set([keys[i]!]) });
    });

    const step: OracleStep = { ids, personId: '', refusals: [], merges: [] };
    let current = this.personOf(keys[0]!)!;
    keys.forEach((key, i) => {
      const other = this.personOf(key)!;
      if (other === current) return;
      const exceeded = Object.keys(rules.limits).filter((type) => this.count(current, type) + this.count(other, type) > rules.limits[type]!);
      if (exceeded.length > 0) {
        step.refusals.push({ refused: ids[i]!, personId: current, otherPersonId: other, exceeded });
        return;
      }
      const to = this.survivor(rules, current, other);
      const from = to === current ? other : current;
      for (const k of this.person(from).members) this.person(to).members.add(k);
      this.persons = this.persons.filter((p) => p.id !== from);
      for (const m of this.absorbed) {
        if (m.to === from) {
          m.to = to;
          step.merges.push({ from: m.from, to });
        }
      }
      this.absorbed.push({ from, to });
      step.merges.push({ from, to });
      current = to;
    });
    step.personId = this.personOf(keys[0]!)!;
    // Refusals name the persons as they stand after the whole link.
    const survivorOf = (p: string) => this.absorbed.find((m) => m.from === p)?.to ?? p;
    for (const r of step.refusals) {
      r.personId = survivorOf(r.personId);
      r.otherPersonId = survivorOf(r.otherPersonId);
    }
    return step;
  }

  /** identifier key -> person, for every identifier seen. */
  table(): Map<string, string> {
    return new Map(this.seen.map((s) => [s.key, this.personOf(s.key)!]));
  }

  partition(): Array<[string, string[]]> {
    return this.persons.map((p): [string, string[]] => [p.id, [...p.members].sort()]).sort(byFirst);
  }

  flatMerges(): Array<[string, string]> {
    return this.absorbed.map((m): [string, string] => [m.from, m.to]).sort(byFirst);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** expect(actual).toEqual(expected), with a cheap comparison first: tens of thousands per run. */
const same = (actual: unknown, expected: unknown): void => {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
};
const byFirst = <T extends [string, unknown]>(a: T, b: T): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
const partitionOf = (graph: IdentityGraph): Array<[string, string[]]> => [...graph.partition()].sort(byFirst);
const mergesOf = (graph: IdentityGraph): Array<[string, string]> => [...graph.merges()].sort(byFirst);
const pairs = (ms: Array<{ from: string; to: string }>): string[] => ms.map((m) => `${m.from} -> ${m.to}`).sort();
const assignmentKeyOf = (a: CdpIdentity.IdentifierAssignment): string => `${a.tenant}|${a.identifier.type}|${a.identifier.value}`;
const mergeKeyOf = (m: CdpIdentity.PersonMerge): string => `${m.tenant}|${m.fromPersonId}`;

interface Step {
  link: Link;
  result: LinkResult;
  oracle: OracleStep;
  /** Oracle's table before and after the link. */
  before: Map<string, string>;
  after: Map<string, string>;
  graphPartition: Array<[string, string[]]>;
  oraclePartition: Array<[string, string[]]>;
}

/** Applies the links to a fresh graph and to the oracle, recording both after every link. */
function replay(rulesOf: RulesOf, links: Link[]): { graph: IdentityGraph; oracle: Oracle; steps: Step[] } {
  const graph = new IdentityGraph(rulesOf);
  const oracle = new Oracle(rulesOf);
  const steps = links.map((link, i): Step => {
    const before = oracle.table();
    const result = apply(graph, link, i);
    const step = oracle.applyLink(link);
    return { link, result, oracle: step, before, after: oracle.table(), graphPartition: partitionOf(graph), oraclePartition: oracle.partition() };
  });
  return { graph, oracle, steps };
}

/** The compacted topics: the last assignment per tenant|type|value, the last merge per tenant|fromPersonId. */
function compact(results: LinkResult[]): { assignments: CdpIdentity.IdentifierAssignment[]; merges: CdpIdentity.PersonMerge[] } {
  const assignments = new Map<string, CdpIdentity.IdentifierAssignment>();
  const merges = new Map<string, CdpIdentity.PersonMerge>();
  for (const r of results) {
    for (const a of r.assignments) assignments.set(assignmentKeyOf(a), a);
    for (const m of r.merges) merges.set(mergeKeyOf(m), m);
  }
  return { assignments: [...assignments.values()], merges: [...merges.values()] };
}

/** As adapters/kafka.ts rebuildGraph: every merge first, then every assignment. */
function rebuild(rulesOf: RulesOf, results: LinkResult[]): IdentityGraph {
  const { assignments, merges } = compact(results);
  const graph = new IdentityGraph(rulesOf);
  for (const m of merges) graph.loadMerge(m);
  for (const a of assignments) graph.loadAssignment(a);
  return graph;
}

// ---------------------------------------------------------------------------------------------
// The checks, each usable on its own (one property each) or all together (other rule sets).
// ---------------------------------------------------------------------------------------------

function checkPartitions(steps: Step[]): void {
  steps.forEach((s, i) => same({ afterLink: i, link: s.link, partition: s.graphPartition }, { afterLink: i, link: s.link, partition: s.oraclePartition }));
}

function checkResults(steps: Step[]): void {
  steps.forEach((s, i) => {
    const { link, result, oracle } = s;
    const at = `after link ${i} ${JSON.stringify(link)}`;
    // The person of the strongest identifier.
    same({ at, personId: result.personId }, { at, personId: oracle.personId });
    // An untyped previous id is never published: its type is decided before anything is.
    same({ at, untypedPublished: JSON.stringify(result).includes(`"${PREVIOUS_ID}"`) }, { at, untypedPublished: false });

    // Conflicts: exactly the oracle's refusals, in order, each naming an exceeded type.
    const got = result.conflicts.map((c) => ({ refused: c.refused, personId: c.personId, otherPersonId: c.otherPersonId }));
    const want = oracle.refusals.map((r) => ({ refused: r.refused, personId: r.personId, otherPersonId: r.otherPersonId }));
    same({ at, conflicts: got }, { at, conflicts: want });
    result.conflicts.forEach((c, j) => {
      const refusal = oracle.refusals[j]!;
      same({ at, rule: c.rule, tenant: c.tenant, eventId: c.eventId, eventTime: c.eventTime, identifiers: c.identifiers }, {
        at,
        rule: LIMIT_EXCEEDED,
        tenant: link.tenant,
        eventId: link.eventId,
        eventTime: link.t,
        identifiers: oracle.ids,
      });
      // The reason starts with the type whose limit the join would exceed.
      same({ at, reason: c.reason, namesAnExceededType: refusal.exceeded.includes(c.reason.split(':')[0]!) }, { at, reason: c.reason, namesAnExceededType: true });
    });

    // Assignments: exactly the identifiers that are new or whose person changed; the last
    // record of each says where it is now and since when it is known.
    const last = new Map<string, CdpIdentity.IdentifierAssignment>();
    for (const a of result.assignments) last.set(assignmentKeyOf(a), a);
    const changed = [...s.after].filter(([k, p]) => s.before.get(k) !== p).map(([k]) => k);
    same({ at, assigned: [...last.keys()].sort() }, { at, assigned: changed.sort() });
    for (const [k, a] of last) {
      same({ at, key: k, personId: a.personId, updatedAt: a.updatedAt }, { at, key: k, personId: s.after.get(k), updatedAt: NOW + i });
    }
  });
  // firstSeen of every identifier, as last published.
  const firstSeen = new Map<string, number>();
  for (const s of steps) for (const key of s.oracle.ids.map((id) => Oracle.key(s.link.tenant, id))) if (!firstSeen.has(key)) firstSeen.set(key, s.link.t);
  for (const a of compact(steps.map((s) => s.result)).assignments) same({ key: assignmentKeyOf(a), firstSeen: a.firstSeen }, { key: assignmentKeyOf(a), firstSeen: firstSeen.get(assignmentKeyOf(a)) });
}

function checkMergesFlat(steps: Step[], graph: IdentityGraph, oracle: Oracle): void {
  steps.forEach((s, i) => {
    const at = `after link ${i} ${JSON.stringify(s.link)}`;
    const survivors = new Set(s.graphPartition.map(([p]) => p));
    // Emitted flat: pointing at a survivor, unless a later record of the same link moves that
    // survivor on (a chain within one link), and then the absorbed person is re-pointed too.
    s.result.merges.forEach((m, j) => {
      const later = s.result.merges.slice(j + 1);
      const ok = survivors.has(m.toPersonId) || (later.some((n) => n.fromPersonId === m.toPersonId) && later.some((n) => n.fromPersonId === m.fromPersonId));
      same({ at, merge: `${m.fromPersonId} -> ${m.toPersonId}`, flat: ok }, { at, merge: `${m.fromPersonId} -> ${m.toPersonId}`, flat: true });
      same({ at, tenant: m.tenant, causeEventId: m.causeEventId, link: m.link, mergedAt: m.mergedAt }, {
        at,
        tenant: s.link.tenant,
        causeEventId: s.link.eventId,
        link: s.oracle.ids,
        mergedAt: NOW + i,
      });
    });
    // The records are the oracle's: every person absorbed, directly or through the absorbed one.
    same({ at, merges: pairs(s.result.merges.map((m) => ({ from: m.fromPersonId, to: m.toPersonId }))) }, { at, merges: pairs(s.oracle.merges) });
  });
  // No chains in the final map, which is the oracle's and the last published record per person.
  const flat = mergesOf(graph);
  const survivors = new Set(partitionOf(graph).map(([p]) => p));
  for (const [from, to] of flat) {
    same({ from, to, toIsMerged: graph.merges().has(to), toIsSurvivor: survivors.has(to) }, { from, to, toIsMerged: false, toIsSurvivor: true });
  }
  same(flat, oracle.flatMerges());
  const published = compact(steps.map((s) => s.result)).merges.map((m): [string, string] => [m.fromPersonId, m.toPersonId]).sort(byFirst);
  same(published, flat);
}

function checkLimits(rulesOf: RulesOf, steps: Step[]): void {
  steps.forEach((s, i) => {
    for (const [person, keys] of s.graphPartition) {
      const [tenant] = keys[0]!.split('|');
      for (const [type, limit] of Object.entries(rulesOf(tenant!).limits)) {
        const n = keys.filter((k) => k.split('|')[1] === type).length;
        if (n > limit) expect({ afterLink: i, link: s.link, person, keys, type, limit }).toBe('within the limit');
      }
    }
  });
}

function checkRebuild(rulesOf: RulesOf, steps: Step[], graph: IdentityGraph): void {
  const rebuilt = rebuild(rulesOf, steps.map((s) => s.result));
  same(partitionOf(rebuilt), partitionOf(graph));
  same(mergesOf(rebuilt), mergesOf(graph));
}

/**
 * The history: an entry exactly when the link changed something or was refused, saying what (the
 * first-seen identifiers, joins that are the direct merge records, carried persons that are the
 * re-pointed ones, refusals that are the conflicts). Its entries alone, replayed in order into an
 * empty graph, make the same persons and the same entries: what re-deriving persons relies on.
 */
function checkHistory(rulesOf: RulesOf, steps: Step[], graph: IdentityGraph): void {
  steps.forEach((s, i) => {
    const at = `after link ${i} ${JSON.stringify(s.link)}`;
    const { history, assignments, merges, conflicts } = s.result;
    same({ at, entry: history !== null }, { at, entry: assignments.length + merges.length + conflicts.length > 0 });
    if (!history) return;
    const firstSeen = history.firstSeen.map((id) => Oracle.key(s.link.tenant, id as Identifier)).sort();
    const fresh = [...new Set(s.oracle.ids.map((id) => Oracle.key(s.link.tenant, id)).filter((k) => !s.before.has(k)))].sort();
    same({ at, firstSeen }, { at, firstSeen: fresh });
    const direct = merges.filter((m) => m.viaPersonId === null).map((m) => `${m.fromPersonId} -> ${m.toPersonId}`);
    same({ at, joins: history.joins.map((j) => `${j.absorbedPersonId} -> ${j.survivorPersonId}`) }, { at, joins: direct });
    const carried = merges.filter((m) => m.viaPersonId !== null).map((m) => `${m.fromPersonId} via ${m.viaPersonId}`).sort();
    same({ at, carried: history.joins.flatMap((j) => j.carriedPersonIds.map((p) => `${p} via ${j.absorbedPersonId}`)).sort() }, { at, carried });
    same({ at, refusals: history.refusals.map((r) => r.conflictId) }, { at, refusals: conflicts.map((c) => c.conflictId) });
  });
  const replayed = new IdentityGraph(rulesOf);
  for (const entry of steps.map((s) => s.result.history)) {
    if (!entry) continue;
    const again = replayed.applyLink(entry.tenant, entry.identifiers as Identifier[], entry.eventTime, entry.eventId, entry.appliedAt);
    same({ replayed: again.history }, { replayed: entry });
  }
  same(partitionOf(replayed), partitionOf(graph));
  same(mergesOf(replayed), mergesOf(graph));
}

/**
 * Records of different keys within one link may come in any order (they go to compacted topics,
 * where only the order per key matters): sorted by key, stably, so records of one key keep theirs.
 */
const normalized = (r: LinkResult): LinkResult => ({
  ...r,
  assignments: [...r.assignments].sort((x, y) => (assignmentKeyOf(x) < assignmentKeyOf(y) ? -1 : assignmentKeyOf(x) > assignmentKeyOf(y) ? 1 : 0)),
  merges: [...r.merges].sort((x, y) => (mergeKeyOf(x) < mergeKeyOf(y) ? -1 : mergeKeyOf(x) > mergeKeyOf(y) ? 1 : 0)),
});

/** Prefix on A; B rebuilt from A's output, re-applies A's last link; then the suffix on both. */
function checkRestart(rulesOf: RulesOf, links: Link[], split: number): void {
  const k = 1 + (split % links.length);
  const prefix = links.slice(0, k);
  const suffix = links.slice(k);
  const a = new IdentityGraph(rulesOf);
  const published = prefix.map((l, i) => apply(a, l, i));
  const b = rebuild(rulesOf, published);
  const again = apply(b, prefix[k - 1]!, k - 1);
  same({ reapplied: prefix[k - 1], personId: again.personId, merges: again.merges, assignments: again.assignments }, {
    reapplied: prefix[k - 1],
    personId: published[k - 1]!.personId,
    merges: [],
    assignments: [],
  });
  // The same link, the same refusals: the same identifiers refused, against the same persons,
  // under the same conflict ids (so a replay after a crash records each conflict once).
  const refusals = (r: LinkResult) => r.conflicts.map((c) => ({ refused: c.refused, personId: c.personId, otherPersonId: c.otherPersonId, conflictId: c.conflictId }));
  same({ reapplied: prefix[k - 1], refusals: refusals(again) }, { reapplied: prefix[k - 1], refusals: refusals(published[k - 1]!) });
  suffix.forEach((l, j) => {
    const ra = normalized(apply(a, l, k + j));
    const rb = normalized(apply(b, l, k + j));
    same({ link: l, result: rb }, { link: l, result: ra });
  });
  same(partitionOf(b), partitionOf(a));
  same(mergesOf(b), mergesOf(a));
}

/**
 * Kafka compacts lazily: a rebuild reads the uncompacted tail too, every record in order. The
 * rebuilt graph must behave like the live one. (Persons it lists with no identifiers are left
 * out: an intermediate survivor, absorbed later, lingers empty after such a replay.)
 */
function checkUncompactedRestart(rulesOf: RulesOf, links: Link[], split: number): void {
  const k = 1 + (split % links.length);
  const a = new IdentityGraph(rulesOf);
  const published = links.slice(0, k).map((l, i) => apply(a, l, i));
  const b = new IdentityGraph(rulesOf);
  for (const r of published) for (const m of r.merges) b.loadMerge(m);
  for (const r of published) for (const x of r.assignments) b.loadAssignment(x);
  const nonEmpty = (g: IdentityGraph) => partitionOf(g).filter(([, keys]) => keys.length > 0);
  same(nonEmpty(b), nonEmpty(a));
  same(mergesOf(b), mergesOf(a));
  links.slice(k).forEach((l, j) => {
    const ra = normalized(apply(a, l, k + j));
    const rb = normalized(apply(b, l, k + j));
    same({ link: l, result: rb }, { link: l, result: ra });
  });
  same(nonEmpty(b), nonEmpty(a));
  same(mergesOf(b), mergesOf(a));
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const RUNS = 500;
const defaults: RulesOf = () => DEFAULT_RULES;
/** A different tenant policy: e-mail outranks everything, user ids are not ranked at all (last),
 *  a person may have two user ids but only one e-mail, loyalty cards are unlimited. */
const CUSTOM: IdentityRules = { ...DEFAULT_RULES, priority: ['email_hash', 'device_id', 'anonymous_id', 'loyalty_card'], limits: { user_id: 2, email_hash: 1 } };

describe('IdentityGraph against a brute-force oracle (default rules)', () => {
  it('has the oracle partition after every link', () => {
    fc.assert(
      fc.property(linksArb(defaults), (links) => checkPartitions(replay(defaults, links).steps)),
      { numRuns: RUNS },
    );
  });

  it('returns the person of the strongest identifier, the refused joins as conflicts, and the changed identifiers as assignments', () => {
    fc.assert(
      fc.property(linksArb(defaults), (links) => checkResults(replay(defaults, links).steps)),
      { numRuns: RUNS },
    );
  });

  it('publishes merges flat: to a survivor, never to an absorbed person', () => {
    fc.assert(
      fc.property(linksArb(defaults), (links) => {
        const { steps, graph, oracle } = replay(defaults, links);
        checkMergesFlat(steps, graph, oracle);
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps a history that says what each link did, and replayed alone makes the same persons', () => {
    fc.assert(
      fc.property(linksArb(defaults), (links) => {
        const { steps, graph } = replay(defaults, links);
        checkHistory(defaults, steps, graph);
      }),
      { numRuns: RUNS },
    );
  });

  it('never gives a person more identifiers of a type than the limits allow', () => {
    fc.assert(
      fc.property(linksArb(defaults), (links) => checkLimits(defaults, replay(defaults, links).steps)),
      { numRuns: RUNS },
    );
  });

  it('rebuilds from its compacted output to the live partition and merges', () => {
    fc.assert(
      fc.property(linksArb(defaults), (links) => {
        const { steps, graph } = replay(defaults, links);
        checkRebuild(defaults, steps, graph);
      }),
      { numRuns: RUNS },
    );
  });

  it('after a restart (rebuild, last link applied twice) behaves exactly like the graph that kept running', () => {
    fc.assert(
      fc.property(linksArb(defaults), fc.nat(), (links, split) => checkRestart(defaults, links, split)),
      { numRuns: RUNS },
    );
  });

  it('rebuilds from an uncompacted log (every record, in order) to a graph that behaves the same', () => {
    fc.assert(
      fc.property(linksArb(defaults), fc.nat(), (links, split) => checkUncompactedRestart(defaults, links, split)),
      { numRuns: RUNS },
    );
  });
});

describe('IdentityGraph against a brute-force oracle (other rules: the rules are honoured, not hard-coded)', () => {
  const custom: RulesOf = () => CUSTOM;
  const mixed: RulesOf = (tenant) => (tenant === 't1' ? CUSTOM : DEFAULT_RULES);

  // Only device ids ranked, no limits: most joins are decided by firstSeen, then by the id,
  // often after a device id made a later-seen person the survivor.
  const flat: RulesOf = () => ({ ...DEFAULT_RULES, priority: ['device_id'], limits: {} });

  it.each([
    ['custom rules for every tenant', custom],
    ['custom rules for t1, the defaults for t0', mixed],
    ['device ids ranked first, all else equal, no limits', flat],
  ])('agrees with the oracle on everything under %s', (_name, rulesOf) => {
    fc.assert(
      fc.property(linksArb(rulesOf), fc.nat(), (links, split) => {
        const { steps, graph, oracle } = replay(rulesOf, links);
        checkPartitions(steps);
        checkResults(steps);
        checkMergesFlat(steps, graph, oracle);
        checkLimits(rulesOf, steps);
        checkHistory(rulesOf, steps, graph);
        checkRebuild(rulesOf, steps, graph);
        checkRestart(rulesOf, links, split);
        checkUncompactedRestart(rulesOf, links, split);
      }),
      { numRuns: RUNS },
    );
  });
});

/**
 * An alias's previousId that its event cannot type. A server-side alias (analytics-node's
 * `alias({ previousId, userId })`) carries no anonymousId, so nothing in the event says whether
 * previousId is the browser's anonymous id or a former user id. It travels in the link as a
 * `previous_id` and is typed by what it is, from what is known of its value:
 *
 * 1. the link carries the value itself: it is that identifier;
 * 2. it is known under types whose identifier is already with the person of one of the link's
 *    other identifiers (the alias was applied before): the strongest of those;
 * 3. it is known under other types: the strongest (a former user id stays a user id, and the
 *    limits refuse the join as for any second user id);
 * 4. never seen: an `anonymous_id`, Segment's usual case (the browser's anonymousId, whose events
 *    may still be on their way, on other partitions).
 *
 * Strongest is by the tenant's priority, then by the type's name. The graph writer decides from
 * the whole graph, before it applies the link; a stitcher uses its table only to attribute the
 * event. The answer depends only on the graph and the link, so a replay of the links types each
 * the same, and the last link applied again after a crash is typed as the first time: rule 2
 * then finds what rule 3 or 4 joined; what they chose and the limits refused is still the
 * strongest. (Not proof against everything: when several links are applied again and one
 * between them showed the value under a stronger type, a refused previous id may be typed as
 * that one the second time. The README's failure behaviour says so.)
 */
import type { CdpIdentity } from '@cdp/plumbing';
import { byPriority, isPreviousId, type Identifier, type LinkIdentifier } from './identifiers';
import { rankOf, type IdentifierType, type IdentityRules } from './rules';

/** What a previous id is typed from: the graph writer's graph, or a stitcher's table. */
export interface KnownIdentifiers {
  /** Every type the graph or table holds an identifier of (a handful: the candidates). */
  readonly identifierTypes: ReadonlySet<string>;
  personOf(tenant: string, id: CdpIdentity.Identifier): string | undefined;
}

const strongest = (rules: IdentityRules, types: Iterable<string>): string | undefined => {
  let best: string | undefined;
  for (const type of types) {
    const order = best === undefined ? -1 : rankOf(rules, type) - rankOf(rules, best) || (type < best ? -1 : 1);
    if (order < 0) best = type;
  }
  return best;
};

/**
 * The link's identifiers with its previous id typed (an alias has one), strongest first again
 * (stably: among equals, the link's own order). The same array when there is nothing to type.
 */
export function typePreviousIds(tenant: string, link: readonly LinkIdentifier[], rules: IdentityRules, known: KnownIdentifiers): readonly Identifier[] {
  if (!link.some(isPreviousId)) return link as readonly Identifier[];
  const others = link.filter((id): id is Identifier => !isPreviousId(id));
  const othersPersons = new Set(others.map((id) => known.personOf(tenant, id)).filter((p) => p !== undefined));

  const typeOf = (value: string): string => {
    const withOthers: string[] = [];
    const elsewhere: string[] = [];
    for (const type of known.identifierTypes) {
      const person = known.personOf(tenant, { type, value });
      if (person !== undefined) (othersPersons.has(person) ? withOthers : elsewhere).push(type);
    }
    return strongest(rules, withOthers) ?? strongest(rules, elsewhere) ?? 'anonymous_id';
  };

  const typed: Identifier[] = [];
  for (const id of link) {
    if (!isPreviousId(id)) {
      typed.push(id);
      continue;
    }
    // The link's own identifier of that value: already there.
    if (others.some((other) => other.value === id.value)) continue;
    typed.push({ type: typeOf(id.value) as IdentifierType, value: id.value });
  }
  return byPriority(rules, typed);
}

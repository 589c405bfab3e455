/**
 * What becomes of each item of a request: accepted as a record for one raw topic, or rejected
 * with the field and the reason (it goes to that topic's dead-letter topic). The same functions
 * serve HTTP requests and the replay of dead letters, so a replay applies exactly today's rules.
 */
import type { CdpStore, CdpWeb } from '@cdp/plumbing';
import { ItemError, REJECTION_CODES as R, type ItemRejection } from './errors';
import { normalizeSegmentEvent, segmentKey, type NormalizeContext, type SegmentInput, type SegmentType } from './segment';
import { normalizeBeaconSighting, normalizePeopleCount, normalizePosTransaction, normalizeWifiObservation, type StoreContext, type StoreEventInput } from './store';

/** The raw topic an item is for. */
export type Target = 'segment' | 'pos' | 'beacon' | 'wifi' | 'peopleCount';

export type Accepted =
  | { kind: 'segment'; key: string; value: CdpWeb.SegmentEvent }
  | { kind: 'pos'; key: string; value: CdpStore.PosTransaction }
  | { kind: 'beacon'; key: string; value: CdpStore.BeaconSighting }
  | { kind: 'wifi'; key: string; value: CdpStore.WifiObservation }
  | { kind: 'peopleCount'; key: string; value: CdpStore.PeopleCount };

/** A rejected item with what a replay needs to try it again. */
export interface Rejected extends ItemRejection {
  target: Target;
  source: string;
  /** The route and its request-level context (e.g. a batch's sentAt), as a replay needs them. */
  route: 'segment' | 'store' | 'meraki';
  routeContext?: Record<string, unknown>;
  /** When ingest first received it: a replay corrects the client clock against this time, not its own. */
  receivedAt: number;
}

export interface Intake {
  accepted: Accepted[];
  rejected: Rejected[];
}

/** Runs one item's normaliser; an ItemError becomes a rejection, anything else is a bug and throws. */
export function attempt(into: Intake, target: Target, item: unknown, rejectedAs: Omit<Rejected, keyof ItemRejection | 'target'>, accept: () => Accepted): void {
  try {
    into.accepted.push(accept());
  } catch (error) {
    if (!(error instanceof ItemError)) throw error;
    into.rejected.push({ field: error.field, code: error.code, reason: error.reason, item, target, ...rejectedAs });
  }
}

export interface SegmentRequest {
  items: SegmentInput[];
  /** Set for a single-event route (/v1/track): the type comes from the path. */
  type?: SegmentType;
  sentAt?: string | null;
  context?: Record<string, unknown> | null;
  /** Path prefix of the items in the request body: batch for /v1/batch, '' for a single event. */
  path: 'batch' | '';
}

export function intakeSegment(request: SegmentRequest, ctx: Omit<NormalizeContext, 'batchSentAt' | 'batchContext'>): Intake {
  const into: Intake = { accepted: [], rejected: [] };
  const routeContext = request.sentAt || request.context ? { sentAt: request.sentAt ?? null, context: request.context ?? null } : undefined;
  const norm = { ...ctx, batchSentAt: request.sentAt, batchContext: request.context };
  request.items.forEach((input, i) => {
    const path = request.path ? `${request.path}[${i}]` : '';
    const type = request.type ?? (input.type as SegmentType);
    const rejectedAs = { source: ctx.source.id, route: 'segment' as const, routeContext: { ...routeContext, type }, receivedAt: ctx.receivedAt };
    if (ctx.source.kind !== 'segment') {
      into.rejected.push({ field: path || '(body)', code: R.wrongSourceKind, reason: `the key of source ${ctx.source.id} is for ${ctx.source.kind} events, not web or app events`, item: input, target: 'segment', ...rejectedAs });
      return;
    }
    attempt(into, 'segment', input, rejectedAs, () => {
      const value = normalizeSegmentEvent(input, type, norm, path);
      return { kind: 'segment', key: segmentKey(value), value };
    });
  });
  return into;
}

const STORE_TARGETS: Record<StoreEventInput['type'], Target> = { pos_transaction: 'pos', beacon_sighting: 'beacon', wifi_observation: 'wifi', people_count: 'peopleCount' };

export function intakeStore(items: StoreEventInput[], ctx: StoreContext): Intake {
  const into: Intake = { accepted: [], rejected: [] };
  const rejectedAs = { source: ctx.source.id, route: 'store' as const, receivedAt: ctx.receivedAt };
  items.forEach((input, i) => {
    const path = `batch[${i}]`;
    const target = STORE_TARGETS[input.type];
    if (ctx.source.kind !== 'store') {
      into.rejected.push({ field: path, code: R.wrongSourceKind, reason: `the key of source ${ctx.source.id} is for ${ctx.source.kind} events, not store events`, item: input, target, ...rejectedAs });
      return;
    }
    attempt(into, target, input, rejectedAs, (): Accepted => {
      // Keys keep one device's events in order: the till, the app install, the Wi-Fi client, the sensor.
      switch (input.type) {
        case 'pos_transaction': {
          const value = normalizePosTransaction(input, ctx, path);
          return { kind: 'pos', key: `${value.storeId}/${value.registerId ?? value.receiptId}`, value };
        }
        case 'beacon_sighting': {
          const value = normalizeBeaconSighting(input, ctx, path);
          return { kind: 'beacon', key: `${value.storeId ?? ''}/${value.appInstallId ?? ''}`, value };
        }
        case 'wifi_observation': {
          const value = normalizeWifiObservation(input, ctx, path);
          return { kind: 'wifi', key: `${value.storeId ?? ''}/${value.clientMacHash}`, value };
        }
        case 'people_count': {
          const value = normalizePeopleCount(input, ctx, path);
          return { kind: 'peopleCount', key: `${value.storeId}/${value.sensorId}`, value };
        }
      }
    });
  });
  return into;
}

/** The item as the answer to the client names it. */
export const rejectionSummary = (r: Rejected) => ({ field: r.field, code: r.code, reason: r.reason });


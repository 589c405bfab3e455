/**
 * Segment-spec events (track, page, screen, identify, alias, group) into our Avro record. Pure:
 * the route schema has checked the JSON types; this checks the spec's rules, hashes PII, and
 * corrects the client's clock as Segment does.
 */
import { randomUUID } from 'node:crypto';
import type { CdpWeb } from '@cdp/plumbing';
import { REJECTION_CODES as R, rejectItem } from './errors';
import { consentOf } from './consent';
import { scrubPii, truncateIp } from './pii';
import { notInFuture, parseTime } from './time';
import type { Source } from './sources';

export const SEGMENT_TYPES = ['track', 'page', 'screen', 'identify', 'alias', 'group'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

export interface SegmentInput {
  type?: string;
  messageId?: string;
  anonymousId?: string | number | null;
  userId?: string | number | null;
  event?: string;
  name?: string | null;
  category?: string | null;
  previousId?: string | number | null;
  groupId?: string | number | null;
  timestamp?: string | null;
  originalTimestamp?: string | null;
  sentAt?: string | null;
  properties?: Record<string, unknown> | null;
  traits?: Record<string, unknown> | null;
  context?: Record<string, unknown> | null;
  integrations?: Record<string, unknown> | null;
}

export interface NormalizeContext {
  source: Source;
  receivedAt: number;
  salt: string;
  /** sentAt of the enclosing batch, used when the event has none. */
  batchSentAt?: string | null;
  /** Context of the enclosing batch, merged under the event's own. */
  batchContext?: Record<string, unknown> | null;
  /** Address the request came from: the event's IP when the client did not send context.ip (as Segment does). */
  clientIp?: string;
}

export const SCHEMA_VERSION = 1;

const idString = (v: string | number | null | undefined): string | null => {
  if (v === null || v === undefined) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
};

const optionalTime = (field: string, value: string | null | undefined): number | undefined => (value === null || value === undefined ? undefined : parseTime(field, value));

const str = (o: Record<string, unknown> | undefined, key: string): string | null => {
  const v = o?.[key];
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
};
const obj = (o: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined => {
  const v = o?.[key];
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
};
const json = (value: Record<string, unknown> | null | undefined): string | null =>
  value && Object.keys(value).length > 0 ? JSON.stringify(value) : null;

const TYPED_CONTEXT_KEYS = new Set(['ip', 'userAgent', 'locale', 'timezone', 'library', 'page', 'campaign', 'app', 'device', 'os', 'consent']);

function normalizeContext(context: Record<string, unknown>, clientIp: string | undefined, consentField: string): CdpWeb.SegmentContext {
  const library = obj(context, 'library');
  const page = obj(context, 'page');
  const campaign = obj(context, 'campaign');
  const app = obj(context, 'app');
  const device = obj(context, 'device');
  const os = obj(context, 'os');
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(context)) if (!TYPED_CONTEXT_KEYS.has(k)) extra[k] = v;
  return {
    // The full address never leaves ingest: its network is enough for geography.
    ip: truncateIp(str(context, 'ip') ?? clientIp ?? ''),
    userAgent: str(context, 'userAgent'),
    locale: str(context, 'locale'),
    timezone: str(context, 'timezone'),
    libraryName: str(library, 'name'),
    libraryVersion: str(library, 'version'),
    pageUrl: str(page, 'url'),
    pagePath: str(page, 'path'),
    pageReferrer: str(page, 'referrer'),
    pageTitle: str(page, 'title'),
    pageSearch: str(page, 'search'),
    campaignName: str(campaign, 'name'),
    campaignSource: str(campaign, 'source'),
    campaignMedium: str(campaign, 'medium'),
    campaignTerm: str(campaign, 'term'),
    campaignContent: str(campaign, 'content'),
    appName: str(app, 'name'),
    appVersion: str(app, 'version'),
    deviceId: str(device, 'id'),
    deviceType: str(device, 'type'),
    osName: str(os, 'name'),
    osVersion: str(os, 'version'),
    consent: consentOf(context.consent, consentField),
    extra: json(extra),
  };
}

/**
 * One Segment event into the Avro record, or an IngestError naming the field (prefixed with
 * `path`, e.g. batch[3]) and the reason.
 */
export function normalizeSegmentEvent(input: SegmentInput, type: SegmentType, ctx: NormalizeContext, path: string): CdpWeb.SegmentEvent {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  // Sites use the e-mail address as user id more often than they should: it is hashed like any.
  const ids = scrubIds(ctx.salt, { anonymousId: idString(input.anonymousId), userId: idString(input.userId), previousId: idString(input.previousId), groupId: idString(input.groupId) });
  const { anonymousId, userId } = ids;
  if (!anonymousId && !userId) throw rejectItem(at('userId'), R.missingIdentity, 'userId or anonymousId is required (Segment spec)');
  if (type === 'track' && !input.event?.trim()) throw rejectItem(at('event'), R.missingField, 'track needs the event name');
  const { previousId } = ids;
  if (type === 'alias' && (!previousId || !userId)) throw rejectItem(at(previousId ? 'userId' : 'previousId'), R.missingIdentity, 'alias needs previousId and userId');
  const { groupId } = ids;
  if (type === 'group' && !groupId) throw rejectItem(at('groupId'), R.missingField, 'group needs groupId');

  const timestamp = optionalTime(at('timestamp'), input.timestamp) ?? optionalTime(at('originalTimestamp'), input.originalTimestamp);
  const sentAt = optionalTime(at('sentAt'), input.sentAt) ?? optionalTime('sentAt', ctx.batchSentAt);
  // Segment's clock-skew correction: the client's clock may be off, the distance between the
  // event and the send is not. Without both, the event time is the client's, or ours.
  let eventTime = timestamp ?? ctx.receivedAt;
  if (timestamp !== undefined && sentAt !== undefined) eventTime = ctx.receivedAt - (sentAt - timestamp);
  notInFuture(eventTime, at('timestamp'), ctx.receivedAt);

  // PII out of everything free-form: traits, properties and context (its IP is cut below).
  const context = scrubPii(ctx.salt, { ...(ctx.batchContext ?? {}), ...(input.context ?? {}) }, { keepTopLevelIp: true });
  const given = type === 'identify' ? identifyTraits(input) : input.traits;
  const traits = given ? scrubPii(ctx.salt, given) : null;
  const properties = input.properties ? scrubPii(ctx.salt, input.properties) : null;
  return {
    envelope: {
      eventId: input.messageId?.trim() || randomUUID(),
      eventTime,
      receivedTime: ctx.receivedAt,
      source: ctx.source.id,
      tenant: ctx.source.tenant,
      schemaVersion: SCHEMA_VERSION,
    },
    type: type.toUpperCase() as CdpWeb.SegmentEventType,
    channel: ctx.source.channel,
    anonymousId,
    userId,
    event: type === 'track' ? input.event!.trim() : null,
    name: input.name ?? (type === 'page' || type === 'screen' ? str(properties ?? undefined, 'name') : null),
    category: input.category ?? null,
    previousId,
    groupId,
    properties: json(properties),
    traits: json(traits),
    integrations: json(input.integrations),
    sentAt: sentAt ?? null,
    originalTimestamp: timestamp ?? null,
    context: normalizeContext(context, ctx.clientIp, at('context.consent')),
  };
}

/**
 * An identify's traits. Segment sends them as `traits`; RudderStack's browser SDK only as
 * `context.traits` (its spec), and its Node SDK as both. The context's are the user's traits as
 * the client knows them, so `traits` is laid over them.
 */
function identifyTraits(input: SegmentInput): Record<string, unknown> | null | undefined {
  const fromContext = obj(input.context ?? undefined, 'traits');
  if (!fromContext || Object.keys(fromContext).length === 0) return input.traits;
  return { ...fromContext, ...(input.traits ?? {}) };
}

type Ids = { anonymousId: string | null; userId: string | null; previousId: string | null; groupId: string | null };
function scrubIds(salt: string, ids: Ids): Ids {
  const suspicious = Object.values(ids).some((v) => v !== null && (v.includes('@') || v.includes('%40')));
  return suspicious ? (scrubPii(salt, ids) as Ids) : ids;
}

/** Kafka key: one browser or app install stays on one partition, in order. */
export const segmentKey = (e: CdpWeb.SegmentEvent): string => e.anonymousId ?? e.userId ?? e.envelope.eventId;

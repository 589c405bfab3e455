import { hashEmail, hashMac, hashPhone, ipv4Octets, ipv6Groups } from '@cdp/plumbing';

/**
 * PII never leaves ingest in clear: e-mails, phones and MACs become a keyed hash (HMAC-SHA256
 * with a secret salt), normalised first so the same address always hashes the same. The hashes
 * live in the plumbing (pii-hash.ts), shared with the reference-data loader so that a partner's
 * e-mail joins with ours; they are re-exported here for ingest's modules.
 */
export { hashEmail, hashMac, hashPhone };

/** aa:bb:cc:dd:ee:ff in lower case, or undefined when the text is not a 48-bit MAC. */
export function normalizeMac(mac: string): string | undefined {
  const hex = mac.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 12 || !/^[0-9a-f:.\-\s]+$/i.test(mac)) return undefined;
  return hex.match(/../g)!.join(':');
}

/**
 * Phones and laptops randomise the MAC they show to networks they have not joined; such a
 * MAC has the locally-administered bit (0x02 of the first octet) set and changes over time, so
 * it must never link two sightings to one person.
 */
export const isRandomizedMac = (mac: string): boolean => (parseInt(mac.replace(/[^0-9a-fA-F]/g, '').slice(0, 2), 16) & 0x02) === 0x02;

/**
 * The client IP, cut to its network: IPv4 to /24, IPv6 to /48 (written `a:b:c::`), an
 * IPv4-mapped IPv6 address as the IPv4 it carries. Null when the text is not an IP address.
 * Enough for geography, not enough to single out a household.
 */
export function truncateIp(ip: string): string | null {
  const text = ip.trim();
  const v4 = ipv4Octets(text);
  if (v4) return `${v4[0]}.${v4[1]}.${v4[2]}.0`;
  const g = ipv6Groups(text);
  if (!g) return null;
  // ::ffff:a.b.c.d is an IPv4 client behind a dual-stack socket: cut it as IPv4.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) return `${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.0`;
  return `${g[0]!.toString(16)}:${g[1]!.toString(16)}:${g[2]!.toString(16)}::`;
}

// ---------------------------------------------------------------------------------------------
// scrubPii: every PII rule, applied to a whole traits / properties / context object.
// ---------------------------------------------------------------------------------------------

export interface ScrubOptions {
  /**
   * Leave a top-level `ip` key as it is. For the context object: the adapter truncates
   * context.ip itself, after whatever it needs the full address for.
   */
  keepTopLevelIp?: boolean;
}

/**
 * Objects and arrays nested deeper than this below the scrubbed object are replaced by null:
 * no real event nests that deep, and it bounds the recursion whatever a client sends.
 */
export const MAX_SCRUB_DEPTH = 32;

/** What an e-mail found inside free text becomes: `email_hash:<hex>`. */
export const EMAIL_HASH_PREFIX = 'email_hash:';

/**
 * The object with its PII replaced, recursively through nested objects and arrays; the same
 * object (same reference, all the way down) when nothing needed to change.
 *
 * By key (case and separators ignored, a trailing number too: `E-Mail`, `email_2`):
 * - e-mail keys (email, emailAddress, mail, userEmail, …): `<key>Hash` = hashEmail(value);
 * - phone keys (phone, phoneNumber, mobile, msisdn, tel, workPhone, …): `<key>Hash` = hashPhone(value),
 *   numbers included;
 * - MAC keys (mac, macAddress, clientMac, wifiMac, bluetoothMac, …; not apMac, which is the
 *   store's access point): `<key>Hash` = hashMac(value), plus `<key>Randomized: true` for a
 *   locally administered MAC;
 * - IP keys (ip, ipAddress, clientIp, remoteIp, ipv6, xForwardedFor, …): the value truncated
 *   by truncateIp under the same key, the key dropped when the value is not an IP address.
 * The clear key is always removed and the hash takes its place in key order; a client's own
 * `<key>Hash` loses to ours. A null or blank value just removes the key; an array is hashed
 * element by element (non-string elements dropped); a nested object under such a key is
 * dropped whole (its shape is unknown, so nothing in it can be trusted). Booleans stay (`mobile:
 * true` is a flag, not a number), and so do numbers except phones.
 *
 * Everywhere else, in values and in keys: each e-mail address inside a string, raw or
 * percent-encoded once or twice (`%40`, `%2540`, as in URLs and redirect parameters), becomes
 * `email_hash:<hex>`, the HMAC of the decoded, lower-cased address, so it joins with `emailHash`.
 * An at-sign followed by a domain (`x.yz`) is replaced even with no local part before it:
 * failing closed costs a Mastodon handle, not an address.
 */
export function scrubPii(salt: string, value: Record<string, unknown>, options?: ScrubOptions): Record<string, unknown> {
  return scrubObject(salt, value, 0, options?.keepTopLevelIp === true);
}

/**
 * @deprecated use scrubPii, which covers every PII rule, not only the e-mail and phone traits.
 * Kept while callers switch over.
 */
export const hashPiiTraits = (salt: string, traits: Record<string, unknown>): Record<string, unknown> => scrubPii(salt, traits);

const NONE = 0;
const EMAIL = 1;
const PHONE = 2;
const MAC = 3;
const IP = 4;
type Kind = typeof NONE | typeof EMAIL | typeof PHONE | typeof MAC | typeof IP;

/** Normalised key (lower case, letters and digits only) → kind. */
const KEY_KINDS = new Map<string, Kind>([
  ...['email', 'emails', 'mail', 'emailaddress', 'emailaddresses', 'emailaddr', 'emailid'].map((k) => [k, EMAIL] as const),
  ...[
    'phone', 'phones', 'phonenumber', 'phonenumbers', 'phoneno', 'mobile', 'mobilephone', 'mobilenumber', 'mobileno', 'msisdn',
    'tel', 'telephone', 'telephonenumber', 'telno', 'cellphone', 'cellnumber', 'fax', 'faxnumber', 'smsnumber',
  ].map((k) => [k, PHONE] as const),
  ...[
    'mac', 'macs', 'macaddress', 'macaddr', 'clientmac', 'devicemac', 'wifimac', 'bluetoothmac', 'btmac', 'blemac', 'stationmac',
    'stamac', 'hwaddr', 'hwaddress', 'hardwareaddress',
  ].map((k) => [k, MAC] as const),
  ...[
    'ip', 'ips', 'ipaddress', 'ipaddr', 'ipv4', 'ipv6', 'clientip', 'remoteip', 'remoteaddr', 'remoteaddress', 'userip', 'deviceip',
    'sourceip', 'srcip', 'originip', 'publicip', 'realip', 'xrealip', 'forwardedfor', 'xforwardedfor', 'visitorip', 'customerip',
  ].map((k) => [k, IP] as const),
]);

/** Suffixes that make a key PII (`billingEmail`, `workPhone`, `wifiMacAddress`, `clientIpAddress`). */
const SUFFIX_KINDS: ReadonlyArray<readonly [string, Kind]> = [
  ['email', EMAIL], ['emailaddress', EMAIL], ['emailaddr', EMAIL],
  ['phone', PHONE], ['phonenumber', PHONE], ['phoneno', PHONE], ['mobilenumber', PHONE], ['msisdn', PHONE],
  ['mac', MAC], ['macaddress', MAC], ['macaddr', MAC],
  ['ipaddress', IP], ['ipaddr', IP], ['ipv4', IP], ['ipv6', IP],
];

/** Look-alikes the suffixes would catch: devices, and the store's own access points. */
const NOT_PII_SUFFIXES = ['iphone', 'smartphone', 'microphone', 'headphone', 'earphone', 'apmac', 'apmacaddress', 'apmacaddr', 'accesspointmac', 'routermac', 'gatewaymac'];

function classifyKey(key: string): Kind {
  const norm = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  const base = norm.replace(/\d+$/, '');
  for (const candidate of base === norm ? [norm] : [norm, base]) {
    const exact = KEY_KINDS.get(candidate);
    if (exact !== undefined) return exact;
    if (NOT_PII_SUFFIXES.some((s) => candidate.endsWith(s))) return NONE;
    for (const [suffix, kind] of SUFFIX_KINDS) if (candidate.endsWith(suffix)) return kind;
  }
  return NONE;
}

/**
 * Raw key → kind. Events repeat the same few hundred keys, so after warm-up a key costs one Map
 * lookup. Keys holding an e-mail are never cached (they are PII themselves); the cap keeps
 * clients with generated keys from growing it without end.
 */
const KIND_CACHE = new Map<string, Kind>();
const KIND_CACHE_MAX = 10_000;

function cacheKind(key: string): Kind {
  const kind = classifyKey(key);
  if (KIND_CACHE.size >= KIND_CACHE_MAX) KIND_CACHE.clear();
  KIND_CACHE.set(key, kind);
  return kind;
}

function scrubObject(salt: string, obj: Record<string, unknown>, depth: number, keepIp: boolean): Record<string, unknown> {
  const keys = Object.keys(obj);
  let out: Record<string, unknown> | undefined;
  // Keys we wrote a hash under: a client's own key of that name must not overwrite it.
  let computed: Set<string> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = obj[key];
    let outKey = key;
    let kind = KIND_CACHE.get(key);
    if (kind === undefined) {
      if (hasAtSign(key)) outKey = scrubText(salt, key);
      kind = outKey === key ? cacheKind(key) : classifyKey(outKey);
    }
    if (kind === IP && keepIp && depth === 0 && key === 'ip') kind = NONE;

    if (kind === NONE) {
      const scrubbed = scrubValue(salt, value, depth);
      if (out === undefined) {
        if (scrubbed === value && outKey === key) continue;
        out = copyHead(obj, keys, i);
      }
      if (computed === undefined || !computed.has(outKey)) put(out, outKey, scrubbed);
      continue;
    }
    const entries = piiEntries(salt, kind, outKey, value);
    if (entries === undefined) {
      if (out === undefined && outKey !== key) out = copyHead(obj, keys, i);
      if (out !== undefined) put(out, outKey, value);
      continue;
    }
    out ??= copyHead(obj, keys, i);
    for (const [k, v] of entries) {
      put(out, k, v);
      (computed ??= new Set()).add(k);
    }
  }
  return out ?? obj;
}

function scrubArray(salt: string, arr: unknown[], depth: number): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < arr.length; i++) {
    const value = arr[i];
    const scrubbed = scrubValue(salt, value, depth);
    if (scrubbed !== value) out ??= arr.slice();
    if (out !== undefined) out[i] = scrubbed;
  }
  return out ?? arr;
}

/** `depth` is that of the container holding the value. */
function scrubValue(salt: string, value: unknown, depth: number): unknown {
  if (typeof value === 'string') return hasAtSign(value) ? scrubText(salt, value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_SCRUB_DEPTH) return null;
  return Array.isArray(value) ? scrubArray(salt, value, depth + 1) : scrubObject(salt, value as Record<string, unknown>, depth + 1, false);
}

/** A fresh object holding the first `n` entries of `obj`, unchanged. */
function copyHead(obj: Record<string, unknown>, keys: string[], n: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) put(out, keys[i]!, obj[keys[i]!]);
  return out;
}

/** JSON.parse makes `__proto__` an ordinary key; assigning it would set the prototype instead. */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** What a PII-named key becomes: the entries to write in its place, or undefined to keep it. */
function piiEntries(salt: string, kind: Kind, key: string, value: unknown): Array<[string, unknown]> | undefined {
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) return [];
  if (typeof value === 'string') {
    if (kind === IP) {
      const cut = truncateIps(value);
      return cut === value ? undefined : cut === null ? [] : [[key, cut]];
    }
    const entries: Array<[string, unknown]> = [[`${key}Hash`, hashOf(salt, kind, value)]];
    if (kind === MAC) {
      const mac = normalizeMac(value);
      if (mac !== undefined && isRandomizedMac(mac)) entries.push([`${key}Randomized`, true]);
    }
    return entries;
  }
  if (typeof value === 'number') return kind === PHONE ? [[`${key}Hash`, hashPhone(salt, String(value))]] : undefined;
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (const item of value) {
      const text = typeof item === 'string' ? item : kind === PHONE && typeof item === 'number' ? String(item) : undefined;
      if (text === undefined || text.trim() === '') continue;
      if (kind !== IP) items.push(hashOf(salt, kind, text));
      else {
        const cut = truncateIps(text);
        if (cut !== null) items.push(cut);
      }
    }
    if (items.length === 0) return [];
    if (kind === IP) return items.length === value.length && items.every((v, i) => v === value[i]) ? undefined : [[key, items]];
    return [[`${key}Hash`, items]];
  }
  return typeof value === 'object' ? [] : undefined;
}

function hashOf(salt: string, kind: Kind, value: string): string {
  return kind === EMAIL ? hashEmail(salt, value) : kind === PHONE ? hashPhone(salt, value) : hashMac(salt, value);
}

/** truncateIp, also for an X-Forwarded-For style list; null when any entry is not an IP. */
function truncateIps(value: string): string | null {
  if (!value.includes(',')) return truncateIp(value);
  const cut = value.split(',').map(truncateIp);
  return cut.includes(null) ? null : cut.join(', ');
}

// --- e-mails inside free text ------------------------------------------------------------------

/** The cheap test every string goes through; the scanner runs only when it says yes. */
function hasAtSign(s: string): boolean {
  if (s.includes('@')) return true;
  const pct = s.indexOf('%');
  return pct >= 0 && (s.includes('%40', pct) || s.includes('%2540', pct));
}

const AT = 0x40;
const PERCENT = 0x25;
/**
 * ASCII characters taken as part of a local part when scanning left from an at-sign: RFC 5322
 * atext and the dot, less `# & / = ?`, which in practice delimit URL parts and parameters
 * (`?email=anna@…`) rather than belong to an address.
 */
const LOCAL_CHAR = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!$%'*+-^_`{|}~") LOCAL_CHAR[c.charCodeAt(0)] = 1;
const DOMAIN_CHAR = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-') DOMAIN_CHAR[c.charCodeAt(0)] = 1;
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;
/** The longest local part is 64 characters; 64 twice-encoded ones take 320. */
const MAX_LOCAL_SCAN = 320;

const isLocalChar = (c: number) => (c < 0x80 ? LOCAL_CHAR[c] === 1 : WORD_CHAR.test(String.fromCharCode(c)));
const isDomainChar = (c: number) => (c < 0x80 ? DOMAIN_CHAR[c] === 1 : WORD_CHAR.test(String.fromCharCode(c)));
const isLetter = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x80 && WORD_CHAR.test(String.fromCharCode(c)));
const hexValue = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1);

/**
 * Each e-mail in `s` replaced by `email_hash:<hex>`. Linear: the scan looks at each at-sign
 * once, reads at most MAX_LOCAL_SCAN characters to its left and the domain to its right, and
 * domains stop at the next `@` or `%`.
 */
function scrubText(salt: string, s: string): string {
  let out = '';
  let copied = 0; // s[0, copied) is in out already
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    // The at-sign: `@` (level 0), `%40` (1), `%2540` (2), …
    let level = -1;
    let after = i + 1;
    if (c === AT) level = 0;
    else if (c === PERCENT) {
      let j = i + 1;
      let l = 1;
      while (s.startsWith('25', j)) {
        j += 2;
        l++;
      }
      if (s.startsWith('40', j)) {
        level = l;
        after = j + 2;
      }
    }
    if (level < 0) {
      i++;
      continue;
    }
    const end = domainEnd(s, after);
    if (end < 0) {
      i = after;
      continue;
    }
    const start = localStart(s, i, Math.max(copied, i - MAX_LOCAL_SCAN), level);
    const local = decodeLocal(s.slice(start, i), level);
    out += s.slice(copied, start) + EMAIL_HASH_PREFIX + hashEmail(salt, `${local}@${s.slice(after, end)}`);
    copied = i = end;
  }
  return copied === 0 ? s : out + s.slice(copied);
}

/**
 * Where the domain starting at `from` ends, or -1 when there is none: trailing dots and hyphens
 * are punctuation, and the last label must look like a top-level domain (a letter, then at
 * least one more character), so `pkg@1.2.3` and `user@localhost` are left alone.
 */
function domainEnd(s: string, from: number): number {
  let end = from;
  while (end < s.length && isDomainChar(s.charCodeAt(end))) end++;
  for (;;) {
    while (end > from && (s.charCodeAt(end - 1) === 0x2e || s.charCodeAt(end - 1) === 0x2d)) end--;
    const dot = s.lastIndexOf('.', end - 1);
    if (dot <= from) return -1;
    if (end - dot > 2 && isLetter(s.charCodeAt(dot + 1))) return end;
    end = dot; // `anna@example.com.5`: the address ends before `.5`
  }
}

/**
 * Where the local part ending at `at` starts (no further left than `floor`). A percent escape
 * counts as the character it encodes, so `hello%20anna%40…` gives `anna`; escapes of every
 * level up to the at-sign's are tried, since a twice-encoded URL inside a parameter also holds
 * its own once-encoded delimiters (`%3Femail%3Danna%2540…`).
 */
function localStart(s: string, at: number, floor: number, level: number): number {
  let start = at;
  scan: while (start > floor) {
    for (let l = Math.max(level, 1); l >= 1; l--) {
      const e = start - 2 * l - 1; // %XX, %25XX, …
      if (e < floor || s.charCodeAt(e) !== PERCENT || (l > 1 && !s.startsWith('25'.repeat(l - 1), e + 1))) continue;
      const hi = hexValue(s.charCodeAt(start - 2));
      const lo = hexValue(s.charCodeAt(start - 1));
      if (hi < 0 || lo < 0) continue;
      const code = hi * 16 + lo;
      if (code < 0x80 && LOCAL_CHAR[code] !== 1) break scan;
      start = e;
      continue scan;
    }
    if (!isLocalChar(s.charCodeAt(start - 1))) break;
    start--;
  }
  return start;
}

/** The local part as the user typed it: undo the URL encoding the at-sign had. */
function decodeLocal(local: string, level: number): string {
  let text = local;
  for (let l = Math.max(level, 1); l > 0 && text.includes('%'); l--) {
    try {
      text = decodeURIComponent(text);
    } catch {
      break;
    }
  }
  return text;
}

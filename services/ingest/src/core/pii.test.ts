import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { hashEmail, hashMac, hashPhone, hashPiiTraits, isRandomizedMac, MAX_SCRUB_DEPTH, normalizeMac, scrubPii, truncateIp } from './pii';

const salt = 'test-salt-0123456789';
const scrub = (value: Record<string, unknown>) => scrubPii(salt, value);
const token = (address: string) => `email_hash:${hashEmail(salt, address)}`;

/** Deep freeze: scrubPii must never write into what the client sent. */
function frozen<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * The stored hashes are a contract: every identifier in Kafka, ClickHouse and a partner's segment
 * file joins through them, so the exact input must never change unnoticed. The hex below was
 * computed outside this code base, with OpenSSL:
 *   printf '%s' 'email:anna@example.com' | openssl dgst -sha256 -hmac 'pinned-test-salt-0123456789'
 */
describe('PII hashes: HMAC-SHA-256 under the salt of a typed, normalised value', () => {
  const pinnedSalt = 'pinned-test-salt-0123456789';
  const otherSalt = 'another-salt-9876543210abcdef';
  const hmacHex = (key: string, text: string) => createHmac('sha256', key).update(text).digest('hex');

  it('hashes email:<trimmed, lower case> to the pinned value', () => {
    expect(hashEmail(pinnedSalt, ' Anna@Example.COM ')).toBe('0644fc51970e4f5e713adcf8ed95b01e786728bed3e156bcdafc579a5459c862');
  });

  it('hashes phone:<digits and +> to the pinned value', () => {
    expect(hashPhone(pinnedSalt, '+358 40-123 4567')).toBe('b8f25598b24695264858ce2dc17177440d01e421896ee4fbea35ef25cfceeab6');
  });

  it('hashes mac:<12 lower-case hex digits> to the pinned value', () => {
    expect(hashMac(pinnedSalt, '3C:22:FB:11:22:33')).toBe('47cde19cb63117895a6d2785fd23b6484af0074196fce1ab2424cc0ac5e42fea');
  });

  it('gives another hash under another salt: the salt is a key, not decoration', () => {
    expect(hashEmail(otherSalt, 'anna@example.com')).toBe('57755fe66ee7bd6782315b0b8bb81318531fc0b8d02c41cfda24bf4b72502eb3');
    expect(hashPhone(otherSalt, '+358401234567')).not.toBe(hashPhone(pinnedSalt, '+358401234567'));
    expect(hashMac(otherSalt, '3c:22:fb:11:22:33')).not.toBe(hashMac(pinnedSalt, '3c:22:fb:11:22:33'));
  });

  it('is the keyed hash of exactly the typed, normalised value for any input', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.string({ minLength: 16, maxLength: 40 }), (email, key) => {
        expect(hashEmail(key, ` ${email.toUpperCase()} `)).toBe(hmacHex(key, `email:${email.toLowerCase()}`));
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^\+?[0-9 ()-]{3,20}$/), fc.string({ minLength: 16, maxLength: 40 }), (phone, key) => {
        expect(hashPhone(key, phone)).toBe(hmacHex(key, `phone:${phone.replace(/[^0-9+]/g, '')}`));
      }),
    );
  });
});

describe('scrubPii, by key', () => {
  it('hashes e-mail keys, any spelling, under <key>Hash in the same place', () => {
    const out = scrub(frozen({ a: 1, email: ' Anna@Example.COM ', b: 2, E_Mail: 'x@y.fi', emailAddress: 'x@y.fi', email_address: 'x@y.fi', mail: 'x@y.fi', billingEmail: 'x@y.fi', 'e-mail-2': 'x@y.fi' }));
    const h = hashEmail(salt, 'x@y.fi');
    expect(out).toEqual({ a: 1, emailHash: hashEmail(salt, 'anna@example.com'), b: 2, E_MailHash: h, emailAddressHash: h, email_addressHash: h, mailHash: h, billingEmailHash: h, 'e-mail-2Hash': h });
    expect(Object.keys(out).slice(0, 3)).toEqual(['a', 'emailHash', 'b']);
  });

  it('hashes phone keys, numbers included, normalised to digits and +', () => {
    const out = scrub({ phone: '+358 (40) 123-4567', phoneNumber: '+358401234567', phone_number: 358401234567, mobile: '040 1234567', mobilePhone: '1', msisdn: '1', tel: '1', telephone: '1', workPhone: '1', phone2: '1' });
    const one = hashPhone(salt, '1');
    expect(out).toEqual({
      phoneHash: hashPhone(salt, '+358401234567'),
      phoneNumberHash: hashPhone(salt, '+358401234567'),
      phone_numberHash: hashPhone(salt, '358401234567'),
      mobileHash: hashPhone(salt, '0401234567'),
      mobilePhoneHash: one, msisdnHash: one, telHash: one, telephoneHash: one, workPhoneHash: one, phone2Hash: one,
    });
    expect(out.phoneHash).toBe(out.phoneNumberHash);
  });

  it('keeps flags and look-alikes: booleans, numbers under e-mail keys, device names', () => {
    const input = frozen({ mobile: true, emailOptIn: true, sentEmails: 3, iphone: 'iPhone 15', isIphone: true, smartphone: 'Pixel', microphone: 'on', emailHash: 'a'.repeat(64), phoneVerified: false });
    expect(scrub(input)).toBe(input);
  });

  it('hashes MAC keys, flags randomised MACs, and leaves the access point MAC alone', () => {
    const out = scrub({ mac: 'DA:A1:19:00:00:01', wifiMac: '00-11-22-33-44-55', clientMac: '0011.2233.4455', bluetoothMac: '3a:00:00:00:00:01', macAddress: 'unknown', apMac: '00:18:0a:00:00:01', apMacAddress: '00:18:0a:00:00:02' });
    expect(out).toEqual({
      macHash: hashMac(salt, 'da:a1:19:00:00:01'),
      macRandomized: true,
      wifiMacHash: hashMac(salt, '00:11:22:33:44:55'),
      clientMacHash: hashMac(salt, '00:11:22:33:44:55'),
      bluetoothMacHash: hashMac(salt, '3a:00:00:00:00:01'),
      bluetoothMacRandomized: true,
      macAddressHash: hashMac(salt, 'unknown'),
      apMac: '00:18:0a:00:00:01',
      apMacAddress: '00:18:0a:00:00:02',
    });
  });

  it('truncates IP keys, drops the ones that are not IPs, and cuts X-Forwarded-For lists', () => {
    const out = scrub({ ip: '203.0.113.77', ipAddress: '2001:db8:85a3::8a2e:370:7334', clientIp: '::ffff:198.51.100.9', remote_ip: 'garbage', xForwardedFor: '203.0.113.77, 10.1.2.3', userIp: '1.2.3.4, nope', ips: ['1.2.3.4', 'x'] });
    expect(out).toEqual({ ip: '203.0.113.0', ipAddress: '2001:db8:85a3::', clientIp: '198.51.100.0', xForwardedFor: '203.0.113.0, 10.1.2.0', ips: ['1.2.3.0'] });
    const already = frozen({ ip: '203.0.113.0', ips: ['10.0.0.0'] });
    expect(scrub(already)).toBe(already);
  });

  it('leaves a top-level ip to the adapter when asked, but not a nested one', () => {
    const context = frozen({ ip: '203.0.113.77', device: { ipAddress: '10.1.2.3' } });
    expect(scrubPii(salt, context, { keepTopLevelIp: true })).toEqual({ ip: '203.0.113.77', device: { ipAddress: '10.1.2.0' } });
    expect(scrubPii(salt, { ip: '203.0.113.77' })).toEqual({ ip: '203.0.113.0' });
  });

  it('removes null and blank PII values, drops objects under PII keys, hashes arrays element by element', () => {
    const out = scrub({ email: null, phone: '  ', mac: '', ip: null, emails: ['a@b.fi', 42, ' '], phones: ['+358 1', 2], contactEmail: { address: 'a@b.fi', verified: true }, keep: 1 });
    expect(out).toEqual({ emailsHash: [hashEmail(salt, 'a@b.fi')], phonesHash: [hashPhone(salt, '+3581'), hashPhone(salt, '2')], keep: 1 });
  });

  it('writes its own hash over a client-sent <key>Hash, whichever comes first', () => {
    const ours = hashEmail(salt, 'a@b.fi');
    expect(scrub({ emailHash: 'client', email: 'a@b.fi' })).toEqual({ emailHash: ours });
    expect(scrub({ email: 'a@b.fi', emailHash: 'client' })).toEqual({ emailHash: ours });
  });

  it('keeps email -> emailHash and phone -> phoneHash through the hashPiiTraits alias', () => {
    expect(hashPiiTraits(salt, { email: ' Anna@Example.COM ', phone: '+358 40 123', loyaltyCard: 'LC-1' })).toEqual({
      emailHash: hashEmail(salt, 'anna@example.com'),
      phoneHash: hashPhone(salt, '+35840123'),
      loyaltyCard: 'LC-1',
    });
  });
});

describe('scrubPii, e-mails inside text', () => {
  it('replaces each address in free text by email_hash:<hmac of the normalised address>', () => {
    const out = scrub({ note: 'contact Anna@Example.com or bob.smith+shop@mail.example.org.', to: 'mailto:anna@example.com?subject=hi' });
    expect(out).toEqual({
      note: `contact ${token('anna@example.com')} or ${token('bob.smith+shop@mail.example.org')}.`,
      to: `mailto:${token('anna@example.com')}?subject=hi`,
    });
  });

  it('decodes percent-encoded addresses in URLs, once or twice encoded', () => {
    const context = frozen({
      page: {
        url: 'https://shop.example/signup?email=anna%40example.com&step=2',
        search: '?q=hello%20anna.b%2Bnews%40example.com',
        referrer: 'https://sso.example/login?next=%2Faccount%3Femail%3Danna%2540example.com',
        path: '/signup',
      },
    });
    expect(scrub(context)).toEqual({
      page: {
        url: `https://shop.example/signup?email=${token('anna@example.com')}&step=2`,
        search: `?q=hello%20${token('anna.b+news@example.com')}`,
        referrer: `https://sso.example/login?next=%2Faccount%3Femail%3D${token('anna@example.com')}`,
        path: '/signup',
      },
    });
  });

  it('scrubs addresses used as keys', () => {
    expect(scrub({ 'anna@example.com': { visits: 3 } })).toEqual({ [token('anna@example.com')]: { visits: 3 } });
    // What is left of the key still names a phone: the same rules as for any other key.
    expect(scrub({ 'anna@example.com phone': '+358 1', 'b@c.fi x': true })).toEqual({ [`${token('anna@example.com')} phoneHash`]: hashPhone(salt, '+3581'), [`${token('b@c.fi')} x`]: true });
  });

  it('leaves at-signs that are no address: versions, scoped packages, hosts without a domain, JSON-LD', () => {
    const input = frozen({ lib: 'analytics-next@1.70.0', pkg: '@segment/analytics-next', login: 'root@localhost', '@type': 'Product', at: 'meet @ 5pm', pct: '100%40 off?' });
    expect(scrub(input)).toBe(input);
  });

  it('stops the domain before a trailing non-domain label and the local part at URL delimiters', () => {
    expect(scrub({ a: 'anna@example.com.5', b: 'x=anna@example.com', c: '/a/anna@example.com' })).toEqual({
      a: `${token('anna@example.com')}.5`,
      b: `x=${token('anna@example.com')}`,
      c: `/a/${token('anna@example.com')}`,
    });
  });

  it('replaces the domain even when nothing before the at-sign can be a local part', () => {
    expect(scrub({ handle: 'https://mastodon.example/@anna.smith' })).toEqual({ handle: `https://mastodon.example/${token('@anna.smith')}` });
  });
});

describe('scrubPii, structure', () => {
  it('walks nested objects and arrays', () => {
    const out = scrub({ order: { items: [{ sku: 'S1', buyer: { email: 'a@b.fi', devices: [{ wifiMac: '00:11:22:33:44:55' }] } }, 'gift for c@d.fi', 7] } });
    expect(out).toEqual({
      order: { items: [{ sku: 'S1', buyer: { emailHash: hashEmail(salt, 'a@b.fi'), devices: [{ wifiMacHash: hashMac(salt, '00:11:22:33:44:55') }] } }, `gift for ${token('c@d.fi')}`, 7] },
    });
  });

  it('returns the very same object when nothing changes, and shares untouched branches when something does', () => {
    const clean = frozen({ sku: 'S1', price: 9.5, tags: ['a', 'b'], page: { url: 'https://shop.example/p?q=a%20b', title: 'T' }, n: null, ok: true });
    expect(scrub(clean)).toBe(clean);
    const dirty = frozen({ keep: { deep: [1, { x: 'y' }] }, list: ['a', 'a@b.fi'], other: ['x'] });
    const out = scrub(dirty);
    expect(out).not.toBe(dirty);
    expect(out.keep).toBe(dirty.keep);
    expect(out.other).toBe(dirty.other);
    expect(out.list).toEqual(['a', token('a@b.fi')]);
  });

  it(`replaces objects and arrays nested more than ${MAX_SCRUB_DEPTH} levels down by null`, () => {
    const nest = (levels: number, leaf: unknown): Record<string, unknown> => {
      let v: unknown = leaf;
      for (let i = 0; i < levels; i++) v = { n: v };
      return v as Record<string, unknown>;
    };
    // The top object is level 0; its child objects are levels 1 … MAX_SCRUB_DEPTH.
    const kept = nest(MAX_SCRUB_DEPTH, { email: 'a@b.fi' });
    expect(JSON.stringify(scrub(kept))).toBe(JSON.stringify(nest(MAX_SCRUB_DEPTH, { emailHash: hashEmail(salt, 'a@b.fi') })));
    const cut = nest(MAX_SCRUB_DEPTH + 1, { email: 'a@b.fi' });
    expect(JSON.stringify(scrub(cut))).toBe(JSON.stringify(nest(MAX_SCRUB_DEPTH + 1, null)));
    const array = nest(MAX_SCRUB_DEPTH, ['x']);
    expect(scrub(array)).toBe(array);
    expect(JSON.stringify(scrub(nest(MAX_SCRUB_DEPTH + 1, ['x'])))).toBe(JSON.stringify(nest(MAX_SCRUB_DEPTH + 1, null)));
  });

  it('keeps a __proto__ key as data instead of setting the prototype', () => {
    const input = JSON.parse('{"__proto__": {"x": 1}, "email": "a@b.fi"}') as Record<string, unknown>;
    const out = scrub(input);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(out))).toEqual(JSON.parse(`{"__proto__": {"x": 1}, "emailHash": "${hashEmail(salt, 'a@b.fi')}"}`));
  });
});

describe('truncateIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    [' 10.1.2.3 ', '10.1.2.0'],
    ['::ffff:198.51.100.9', '198.51.100.0'],
    ['::FFFF:198.51.100.9', '198.51.100.0'],
    ['0:0:0:0:0:ffff:c633:6409', '198.51.100.0'],
    ['2001:db8:85a3::8a2e:370:7334', '2001:db8:85a3::'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0::'],
    ['fe80::1%eth0', 'fe80:0:0::'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0::'],
  ])('%s -> %s', (ip, cut) => expect(truncateIp(ip)).toBe(cut));

  it.each(['', 'garbage', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1.2.3.4:8080', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', '12345::1', 'g::1', '::ffff:1.2.3.999'])('%j -> null', (ip) =>
    expect(truncateIp(ip)).toBeNull(),
  );
});

describe('normalizeMac and isRandomizedMac', () => {
  it.each([
    ['AA:BB:CC:DD:EE:FF', 'aa:bb:cc:dd:ee:ff'],
    ['aa-bb-cc-dd-ee-ff', 'aa:bb:cc:dd:ee:ff'],
    ['aabb.ccdd.eeff', 'aa:bb:cc:dd:ee:ff'],
    ['aabbccddeeff', 'aa:bb:cc:dd:ee:ff'],
  ])('%s -> %s', (mac, norm) => expect(normalizeMac(mac)).toBe(norm));

  it.each(['aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:ff:00', 'zz:bb:cc:dd:ee:ff', 'unknown', ''])('%j is no MAC', (mac) => expect(normalizeMac(mac)).toBeUndefined());

  it('flags the locally administered bit: second hex digit 2, 6, a or e', () => {
    const second = '0123456789abcdef'.split('');
    const randomized = second.filter((d) => isRandomizedMac(`0${d}:11:22:33:44:55`));
    expect(randomized).toEqual(['2', '3', '6', '7', 'a', 'b', 'e', 'f']);
    // Bit 0x01 is multicast, not randomisation: unicast addresses have an even second digit.
    expect(['02', '06', '0A', 'DE', 'f2'].map((o) => isRandomizedMac(`${o}:00:00:00:00:01`))).toEqual([true, true, true, true, true]);
    expect(['00', '04', '08', '0C', 'd8'].map((o) => isRandomizedMac(`${o}-00-00-00-00-01`))).toEqual([false, false, false, false, false]);
  });
});

describe('scrubPii, properties', () => {
  const piiKeys = ['email', 'Email_Address', 'phone', 'mobile', 'mac', 'wifiMac', 'ip', 'clientIp', 'note', 'url', 'referrer', 'search'];
  // Where an address can hide: bare, in text, in a URL, encoded once or twice, as a mailto.
  const carrier = (emails: string[]) =>
    fc.tuple(fc.constantFrom(...emails), fc.nat(5), fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([e, form, before, after]) => {
      switch (form) {
        case 0: return e;
        case 1: return `${before}${e}${after}`;
        case 2: return `https://shop.example/p?email=${encodeURIComponent(e)}&${after}`;
        case 3: return `https://sso.example/?next=${encodeURIComponent(`/a?email=${encodeURIComponent(e)}`)}`;
        case 4: return `${before} mailto:${e.toUpperCase()}?x=${after}`;
        default: return `${before}${encodeURIComponent(e)}${after}`;
      }
    });
  const event = (emails: string[]) => {
    const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(...piiKeys), carrier(emails));
    const leaf = fc.oneof(carrier(emails), fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    const { object } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, tie('object'), tie('array')),
      object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
      array: fc.array(tie('value'), { maxLength: 4 }),
    }));
    return object as fc.Arbitrary<Record<string, unknown>>;
  };
  const withEmails = fc.array(fc.emailAddress(), { minLength: 1, maxLength: 4 }).chain((emails) => event(emails).map((value) => ({ emails, value })));

  it('lets no generated address through, raw or percent-encoded, and is idempotent', () => {
    fc.assert(
      fc.property(withEmails, ({ emails, value }) => {
        const before = JSON.stringify(value);
        const out = scrub(value);
        const json = JSON.stringify(out).toLowerCase();
        for (const e of emails) {
          for (const form of [e, encodeURIComponent(e), encodeURIComponent(encodeURIComponent(e))]) {
            if (json.includes(form.toLowerCase())) throw new Error(`${form} survived in ${json}`);
          }
        }
        expect(JSON.stringify(value)).toBe(before);
        expect(scrub(out)).toBe(out);
      }),
      { numRuns: 300 },
    );
  });

  // Addresses whose local part holds no URL delimiter or percent escape: those are found whole.
  const plainEmail = fc.emailAddress().filter((e) => !/[#&/=?]|%[0-9a-f]{2}/i.test(e.slice(0, e.lastIndexOf('@'))));

  it('hashes the whole address, the same whether it came raw, in a URL, or twice encoded', () => {
    fc.assert(
      fc.property(plainEmail, (e) => {
        const t = token(e);
        expect(scrub({ note: `write to ${e}, thanks`, url: `https://s.example/?email=${encodeURIComponent(e)}&x=1`, ref: `?next=${encodeURIComponent(`/a?email=${encodeURIComponent(e)}`)}` })).toEqual({
          note: `write to ${t}, thanks`,
          url: `https://s.example/?email=${t}&x=1`,
          ref: `?next=%2Fa%3Femail%3D${t}`,
        });
        expect(scrub({ email: e })).toEqual({ emailHash: hashEmail(salt, e) });
      }),
      { numRuns: 300 },
    );
  });
});

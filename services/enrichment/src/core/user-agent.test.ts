import { createUserAgentParser, MAX_USER_AGENT_LENGTH, USER_AGENT_SOURCE } from './user-agent';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const IPAD = 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1';
// A phone brand with "bot" in its name: the old hand-made /bot/ rule called it a bot.
const CUBOT = 'Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const GOOGLEBOT_SMARTPHONE =
  'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.139 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const BINGBOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)';
const HEADLESS = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 Safari/537.36';
const LIGHTHOUSE = 'Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse';

const none = { browserName: null, browserVersion: null, osName: null, osVersion: null, source: USER_AGENT_SOURCE };

describe('user agent', () => {
  const parse = createUserAgentParser();

  it('names both parsers with their versions', () => {
    expect(USER_AGENT_SOURCE).toMatch(/^bowser \d+\.\d+\.\d+, isbot 5\.\d+\.\d+$/);
  });

  it.each([
    ['iPhone Safari', IPHONE, { browserName: 'Safari', browserVersion: '17.1', osName: 'iOS', osVersion: '17.1', deviceType: 'mobile' }],
    ['Android Chrome', ANDROID, { browserName: 'Chrome', browserVersion: '124.0.6367.82', osName: 'Android', osVersion: '14', deviceType: 'mobile' }],
    ['desktop Firefox', FIREFOX, { browserName: 'Firefox', browserVersion: '128.0', osName: 'Windows', osVersion: '10', deviceType: 'desktop' }],
    ['iPad Safari', IPAD, { browserName: 'Safari', browserVersion: '16.6', osName: 'iOS', osVersion: '16.6', deviceType: 'tablet' }],
    ['a CUBOT phone', CUBOT, { browserName: 'Chrome', browserVersion: '120.0', osName: 'Android', osVersion: '10', deviceType: 'mobile' }],
  ])('%s is a person\'s browser', (_, ua, expected) => {
    expect(parse(ua)).toEqual({ ...expected, isBot: false, source: USER_AGENT_SOURCE });
  });

  it.each([
    ['curl', 'curl/8.5.0'],
    ['python-requests', 'python-requests/2.32.3'],
    ['Googlebot', GOOGLEBOT],
    ['Googlebot smartphone', GOOGLEBOT_SMARTPHONE],
    ['bingbot', BINGBOT],
    ['HeadlessChrome', HEADLESS],
    ['Lighthouse', LIGHTHOUSE],
  ])('%s is a bot', (_, ua) => {
    expect(parse(ua)).toMatchObject({ isBot: true, deviceType: 'bot', source: USER_AGENT_SOURCE });
  });

  it('keeps what bowser reads from a bot agent', () => {
    expect(parse(HEADLESS)).toEqual({ browserName: 'Chrome', browserVersion: '120.0.6099.109', osName: 'Linux', osVersion: null, deviceType: 'bot', isBot: true, source: USER_AGENT_SOURCE });
    expect(parse('curl/8.5.0')).toEqual({ ...none, deviceType: 'bot', isBot: true });
  });

  it('gives null for no agent or a blank one', () => {
    expect(parse(null)).toBeNull();
    expect(parse('')).toBeNull();
    expect(parse('   ')).toBeNull();
  });

  it('gives an all-null device for garbage, never the text "undefined"', () => {
    expect(parse('%%%garbage!!')).toEqual({ ...none, deviceType: null, isBot: false });
    expect(parse('\u0000\uffff')).toEqual({ ...none, deviceType: null, isBot: false });
  });

  it('parses only the head of a very long agent, quickly', () => {
    const long = `${FIREFOX} ${'x'.repeat(1_000_000)}`;
    const started = performance.now();
    expect(parse(long)).toMatchObject({ browserName: 'Firefox', deviceType: 'desktop', isBot: false });
    expect(performance.now() - started).toBeLessThan(50);
    // Same head, same cache entry.
    expect(parse(`${long}y`)).toBe(parse(long));
    expect(MAX_USER_AGENT_LENGTH).toBeGreaterThan(IPHONE.length * 4);
  });

  it('caches answers and evicts the oldest past its size', () => {
    const small = createUserAgentParser(2);
    const first = small(IPHONE);
    expect(small(IPHONE)).toBe(first);
    small(ANDROID);
    small(FIREFOX);
    const again = small(IPHONE);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(Object.isFrozen(again)).toBe(true);
  });
});

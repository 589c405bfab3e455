import { LandingFeed } from './landing-feed';

describe('LandingFeed', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('tells a tenant\'s subscribers at once, then at most once a second with what landed meanwhile', () => {
    const feed = new LandingFeed(1000, () => Date.now());
    const heard: unknown[] = [];
    const other: unknown[] = [];
    feed.subscribe('demo', (l) => heard.push(l));
    feed.subscribe('other', (l) => other.push(l));
    feed.landed('demo', 100, 2);
    expect(heard).toEqual([{ tenant: 'demo', landedAt: 100, persons: 2 }]);
    feed.landed('demo', 200, 1);
    feed.landed('demo', 300, 0);
    expect(heard).toHaveLength(1);
    jest.advanceTimersByTime(1000);
    expect(heard).toEqual([{ tenant: 'demo', landedAt: 100, persons: 2 }, { tenant: 'demo', landedAt: 300, persons: 1 }]);
    expect(other).toEqual([]);
    expect(feed.lastLandedAt('demo')).toBe(300);
  });

  it('stops telling a subscriber that left, and forgets its timer', () => {
    const feed = new LandingFeed(1000, () => Date.now());
    const heard: unknown[] = [];
    const leave = feed.subscribe('demo', (l) => heard.push(l));
    feed.landed('demo', 100, 1);
    feed.landed('demo', 200, 1);
    leave();
    jest.advanceTimersByTime(5000);
    expect(heard).toHaveLength(1);
    expect(feed.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});

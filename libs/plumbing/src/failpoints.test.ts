import { parseFailpoints } from './failpoints';

describe('parseFailpoints', () => {
  it('reads names, optional scopes and actions', () => {
    expect(parseFailpoints('consumer.before-commit@aggregation-x1=hang; consumer.before-commit=exit')).toEqual(
      new Map([
        ['consumer.before-commit@aggregation-x1', 'hang'],
        ['consumer.before-commit', 'exit'],
      ]),
    );
  });

  it('is empty when the variable is unset or blank', () => {
    expect(parseFailpoints(undefined).size).toBe(0);
    expect(parseFailpoints('  ').size).toBe(0);
  });

  it('names an entry it cannot read, so a typo never arms nothing silently', () => {
    expect(() => parseFailpoints('consumer.before-commit')).toThrow('CDP_FAILPOINTS: "consumer.before-commit" is not <name>[@<scope>]=hang|exit');
    expect(() => parseFailpoints('consumer.before-commit=crash')).toThrow(/"consumer.before-commit=crash"/);
  });
});

import { z } from 'zod';
import { ConfigError } from './errors';
import { env, loadConfig, stackConfigSchema } from './config';

describe('loadConfig', () => {
  const schema = z.object({ PORT: env.port(), NAME: env.string('svc'), FLAG: env.bool(false), BROKERS: env.hostPorts('127.0.0.1:9092') });

  it('names every missing or bad variable with its reason', () => {
    let error: unknown;
    try {
      loadConfig(schema, { NAME: 'x', FLAG: 'maybe', BROKERS: 'no-port-here' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable).sort()).toEqual(['BROKERS', 'FLAG', 'PORT']);
    expect(problems.find((p) => p.variable === 'PORT')!.reason).toMatch(/required but not set/);
    expect(problems.find((p) => p.variable === 'FLAG')!.reason).toMatch(/true or false/);
    expect(problems.find((p) => p.variable === 'BROKERS')!.reason).toMatch(/host:port/);
    expect((error as Error).message).toContain('PORT:');
  });

  it('rejects an out-of-range port, naming the variable', () => {
    expect(() => loadConfig(schema, { PORT: '70000' })).toThrow(/PORT: must be at most 65535/);
    expect(() => loadConfig(schema, { PORT: 'eighty' })).toThrow(/PORT: must be a whole number/);
  });

  it('applies defaults, treats an empty variable as unset, and freezes the result', () => {
    const config = loadConfig(schema, { PORT: '8080', NAME: '', FLAG: 'yes', BROKERS: 'a:1, b:2' });
    expect(config).toEqual({ PORT: 8080, NAME: 'svc', FLAG: true, BROKERS: ['a:1', 'b:2'] });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('gives the stack endpoints their local defaults', () => {
    const config = loadConfig(stackConfigSchema, {});
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.SCHEMA_REGISTRY_URL).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(config.CLICKHOUSE_DATABASE).toBe('cdp');
    expect(() => loadConfig(stackConfigSchema, { CLICKHOUSE_DATABASE: 'x; DROP' })).toThrow(/CLICKHOUSE_DATABASE: must be a plain identifier/);
    expect(() => loadConfig(stackConfigSchema, { CLICKHOUSE_URL: 'not a url' })).toThrow(/CLICKHOUSE_URL: must be a URL/);
  });
});

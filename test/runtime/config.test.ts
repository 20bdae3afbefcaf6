import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../runtime/config.js';

describe('config', () => {
  it('defaults to embedded PostgreSQL and a Temporal dev server under .data', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.dataDir).toBe(path.resolve('.data'));
    expect(config.database).toEqual({
      mode: 'embedded',
      port: 54329,
      dataDir: path.resolve('.data/postgres'),
    });
    expect(config.temporal.server).toMatchObject({ mode: 'dev', port: 7233, uiPort: 8233 });
    expect(config.temporal.namespace).toBe('default');
    expect(config.apiKeyRotationGraceMs).toBe(24 * 3600_000);
    expect(config.sessionSecret).toBeUndefined();
    expect(config.databasePool).toEqual({
      maxConnections: 10,
      acquireTimeoutMs: 10_000,
      namedStatements: true,
    });
    expect(
      loadConfig({
        DATABASE_POOL_SIZE: '3',
        DATABASE_POOL_TIMEOUT_MS: '500',
        DATABASE_PREPARED_STATEMENTS: 'unnamed',
      }).databasePool,
    ).toEqual({ maxConnections: 3, acquireTimeoutMs: 500, namedStatements: false });
    expect(() => loadConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_PREPARED_STATEMENTS: 'off' })).toThrow(ConfigError);
  });

  it('uses external servers when DATABASE_URL and TEMPORAL_ADDRESS are set', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://u:p@db:5432/cards',
      TEMPORAL_ADDRESS: 'my-ns.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'my-ns.a1b2c',
      TEMPORAL_API_KEY: 'secret',
    });
    expect(config.database).toEqual({
      mode: 'external',
      url: 'postgresql://u:p@db:5432/cards',
      migrationUrl: 'postgresql://u:p@db:5432/cards',
    });
    expect(config.temporal.server).toMatchObject({
      mode: 'external',
      address: 'my-ns.tmprl.cloud:7233',
      apiKey: 'secret',
      tls: {},
    });
    expect(config.temporal.namespace).toBe('my-ns.a1b2c');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_MIGRATION_URL: 'postgresql://owner@db/cards' }, 'DATABASE_MIGRATION_URL'],
    [{ TEMPORAL_ADDRESS: 'http://localhost:7233' }, 'TEMPORAL_ADDRESS'],
    [{ NODE_ENV: 'production' }, 'OPERATOR_API_KEY'],
    [{ NODE_ENV: 'production', OPERATOR_API_KEY: 'o'.repeat(24) }, 'SERVER_SECRET'],
    [{ SERVER_SECRET: 'too short' }, 'SERVER_SECRET'],
    [
      { NODE_ENV: 'production', OPERATOR_API_KEY: 'o'.repeat(24), SERVER_SECRET: 's'.repeat(32) },
      'SESSION_SECRET',
    ],
    [{ SESSION_SECRET: 'too short' }, 'SESSION_SECRET'],
    [{ API_KEY_ROTATION_GRACE_HOURS: '-1' }, 'API_KEY_ROTATION_GRACE_HOURS'],
    [{ API_KEY_ROTATION_GRACE_HOURS: 'a day' }, 'API_KEY_ROTATION_GRACE_HOURS'],
    [{ OPERATOR_API_KEY: 'short' }, 'OPERATOR_API_KEY'],
    [{ TEMPORAL_API_KEY: 'k' }, 'TEMPORAL_API_KEY'],
    // Less than the 515 days the daily balance query may reach back
    [{ DAILY_BALANCE_RETENTION_DAYS: '514' }, 'DAILY_BALANCE_RETENTION_DAYS'],
    // Less than the retention function's own floor for the log
    [{ EVENT_RETENTION_DAYS: '29' }, 'EVENT_RETENTION_DAYS'],
    [{ RETENTION_BATCH_SIZE: '20000' }, 'RETENTION_BATCH_SIZE'],
  ])('fails fast naming the variable for %j', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });

  it('keeps webhook receivers to https:// and public addresses in production unless told otherwise', () => {
    const production = {
      NODE_ENV: 'production',
      OPERATOR_API_KEY: 'o'.repeat(24),
      SERVER_SECRET: 's'.repeat(32),
      SESSION_SECRET: 's'.repeat(32),
    };
    const rules = (env: Record<string, string>) => {
      const { allowHttp, allowPrivateAddresses } = loadConfig(env).webhooks;
      return { allowHttp, allowPrivateAddresses };
    };
    expect(rules(production)).toEqual({ allowHttp: false, allowPrivateAddresses: false });
    expect(rules({})).toEqual({ allowHttp: true, allowPrivateAddresses: true });
    expect(rules({ ...production, WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' })).toEqual({
      allowHttp: false,
      allowPrivateAddresses: true,
    });
    expect(rules({ WEBHOOK_ALLOW_PRIVATE_ADDRESSES: '0' })).toMatchObject({
      allowPrivateAddresses: false,
    });
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'yes' })).toThrow(
      /WEBHOOK_ALLOW_PRIVATE_ADDRESSES/,
    );
  });
});

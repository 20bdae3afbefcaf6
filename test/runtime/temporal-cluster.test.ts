import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { searchAttributeDefinitions, searchAttributes } from '../../common/temporal-names.js';
import { createLogger } from '../../runtime/logger.js';
import {
  DYNAMIC_CONFIG,
  TEMPORAL_SERVICES,
  prepareNamespace,
  provisionStore,
  schemaSteps,
  serverConfig,
  servicePorts,
  webUiConfig,
  type SqlStore,
} from '../../runtime/temporal-cluster.js';
import { temporalServerBuild } from '../../runtime/tools.js';
import { eventually } from '../support/harness.js';

// `npm run temporal-cluster` without its build: the configuration and schema steps it generates,
// its PostgreSQL provisioning against the suite's PostgreSQL, and its namespace and
// search-attribute registration against the suite's Temporal dev server (whose visibility is SQL
// too, so custom search attributes are per namespace there as on the cluster).

const store: SqlStore = {
  host: '127.0.0.1',
  port: 54339,
  user: 'temporal',
  password: 'not-on-the-command-line',
  databases: { temporal: 'temporal', visibility: 'temporal_visibility' },
};
const settings = {
  store,
  numHistoryShards: 512,
  frontendPort: 7233,
  dir: '/srv/temporal',
  postgresConnections: 80,
  processes: 4 as const,
};

describe('the cluster configuration', () => {
  it('puts persistence and visibility on PostgreSQL (postgres12) with the chosen shard count', () => {
    const config = serverConfig(settings, ['history']) as any;
    expect(config.persistence).toMatchObject({
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: 512,
    });
    for (const [name, database] of [
      ['default', 'temporal'],
      ['visibility', 'temporal_visibility'],
    ])
      expect(config.persistence.datastores[name!].sql).toMatchObject({
        pluginName: 'postgres12',
        databaseName: database,
        connectAddr: '127.0.0.1:54339',
        user: 'temporal',
      });
    // The connections shared out between the processes, within PostgreSQL's 100
    const pools = (config: any) =>
      ['default', 'visibility'].map((name) => config.persistence.datastores[name].sql.maxConns);
    expect(pools(config)).toEqual([30, 10]);
    expect(pools(serverConfig(settings, ['frontend']))).toEqual([8, 2]);
    expect(pools(serverConfig(settings, ['matching']))).toEqual([15, 5]);
    expect(pools(serverConfig({ ...settings, processes: 1 }, TEMPORAL_SERVICES))).toEqual([60, 20]);
    expect(() => serverConfig({ ...settings, postgresConnections: 8 }, ['worker'])).toThrow(
      /too few/,
    );
    // Temporal's loader reads YAML; the file is written as JSON, which is YAML
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });

  it("gives each service the release's ports, shifted with the frontend, and each process its own metrics port and log", () => {
    expect(servicePorts(7233)).toEqual({
      frontend: { grpc: 7233, membership: 6933, http: 7243, metrics: 8000 },
      history: { grpc: 7234, membership: 6934, metrics: 8001 },
      matching: { grpc: 7235, membership: 6935, metrics: 8002 },
      worker: { grpc: 7239, membership: 6939, metrics: 8003 },
    });
    expect(servicePorts(17233).worker).toEqual({
      grpc: 17239,
      membership: 16939,
      metrics: 18003,
    });
    expect(() => servicePorts(1100)).toThrow(/out of range/);
    const one = serverConfig(settings, TEMPORAL_SERVICES) as any;
    const matching = serverConfig({ ...settings, frontendPort: 17233 }, ['matching']) as any;
    expect(Object.keys(one.services)).toEqual(['frontend', 'history', 'matching', 'worker']);
    expect(one.services.frontend.rpc).toEqual({
      grpcPort: 7233,
      membershipPort: 6933,
      bindOnIP: '127.0.0.1',
      httpPort: 7243,
    });
    expect(one.log.outputFile).toBe('/srv/temporal/logs/frontend-history-matching-worker.log');
    expect(one.global.metrics.prometheus.listenAddress).toBe('127.0.0.1:8000');
    expect(matching.log.outputFile).toBe('/srv/temporal/logs/matching.log');
    expect(matching.global.metrics.prometheus.listenAddress).toBe('127.0.0.1:18002');
    expect(matching.clusterMetadata.clusterInformation.active.rpcAddress).toBe('127.0.0.1:17233');
    expect(one.dynamicConfigClient.filepath).toBe('/srv/temporal/dynamicconfig.yaml');
    expect(DYNAMIC_CONFIG['frontend.namespaceRPS.visibility']).toEqual([{ value: 200 }]);
  });

  it('points the Web UI at the frontend, on loopback, opening the namespace', () => {
    expect(
      webUiConfig({ frontendAddress: '127.0.0.1:7233', port: 8233, namespace: 'cards' }),
    ).toMatchObject({
      temporalGrpcAddress: '127.0.0.1:7233',
      host: '127.0.0.1',
      port: 8233,
      enableUi: true,
      defaultNamespace: 'cards',
    });
  });

  it("sets up, then updates, each database from the release's versioned schema, the password kept off the command line", () => {
    const steps = schemaSteps(store, temporalServerBuild.schemaDir);
    const schema = (name: string) => path.join(temporalServerBuild.schemaDir, name, 'versioned');
    expect(steps).toEqual([
      {
        database: 'temporal',
        args: ['--plugin', 'postgres12', '--db', 'temporal', 'setup-schema', '-v', '0.0'],
      },
      {
        database: 'temporal',
        args: [
          '--plugin',
          'postgres12',
          '--db',
          'temporal',
          'update-schema',
          '-d',
          schema('temporal'),
        ],
      },
      {
        database: 'temporal_visibility',
        args: [
          '--plugin',
          'postgres12',
          '--db',
          'temporal_visibility',
          'setup-schema',
          '-v',
          '0.0',
        ],
      },
      {
        database: 'temporal_visibility',
        args: [
          '--plugin',
          'postgres12',
          '--db',
          'temporal_visibility',
          'update-schema',
          '-d',
          schema('visibility'),
        ],
      },
    ]);
    expect(steps.flatMap((step) => step.args)).not.toContain(store.password);
  });
});

describe('the cluster against real servers', () => {
  it('gives Temporal a login and two databases it owns, with a new password at every start', async () => {
    const suffix = randomBytes(4).toString('hex');
    const names = {
      user: `temporal_${suffix}`,
      databases: { temporal: `temporal_${suffix}`, visibility: `temporal_visibility_${suffix}` },
    };
    const adminUrl = `${inject('postgresOwnerBaseUrl')}postgres`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      const first = await provisionStore(adminUrl, names);
      const second = await provisionStore(adminUrl, names);
      expect(second.password).not.toBe(first.password);
      const { rows } = await admin.query(
        `SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = ANY($1) ORDER BY datname`,
        [Object.values(names.databases)],
      );
      expect(rows).toEqual([
        { datname: names.databases.temporal, owner: names.user },
        { datname: names.databases.visibility, owner: names.user },
      ]);
      // The login works with the latest password only
      const login = (password: string) =>
        new pg.Client({
          host: second.host,
          port: second.port,
          user: names.user,
          password,
          database: names.databases.visibility,
        });
      const client = login(second.password);
      await client.connect();
      await client.query('CREATE TABLE owned_here (id int)');
      await client.end();
      await expect(login(first.password).connect()).rejects.toThrow(/password/);
    } finally {
      for (const database of Object.values(names.databases))
        await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.query(`DROP ROLE IF EXISTS ${names.user}`);
      await admin.end();
    }
  });

  it("registers a namespace with the product's search attributes, once, and runs started with them are found by them", async () => {
    const address = inject('temporalAddress');
    const namespace = `cluster-${randomBytes(4).toString('hex')}`;
    const logger = createLogger({ logLevel: 'warn' });
    const prepare = () =>
      prepareNamespace({ address, namespace, retentionDays: 1, timeoutMs: 60_000, logger });
    expect(await prepare()).toEqual({
      registered: true,
      searchAttributesAdded: searchAttributeDefinitions.map((sa) => sa.name),
    });
    expect(await prepare()).toEqual({ registered: false, searchAttributesAdded: [] });

    const connection = await Connection.connect({ address });
    try {
      const client = new Client({ connection, namespace });
      const orgId = randomUUID();
      await client.workflow.start('accountApplication', {
        workflowId: `account-application-${randomUUID()}`,
        taskQueue: `no-worker-${namespace}`,
        args: [{}],
        typedSearchAttributes: [
          { key: searchAttributes.orgId, value: orgId },
          { key: searchAttributes.stage, value: ['DRAFT'] },
        ],
      });
      // Visibility is written after the start
      const query = `OrgId = '${orgId}' AND Stage = 'DRAFT'`;
      const found = await eventually(async () => {
        const { count } = await client.workflow.count(query);
        return count > 0 ? count : undefined;
      });
      expect(found).toBe(1);
    } finally {
      await connection.close();
    }
  });
});

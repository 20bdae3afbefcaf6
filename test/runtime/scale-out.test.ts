import path from 'node:path';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../runtime/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';
import { formatReport, runScaleOut } from '../support/scale-out.js';

// `npm run scale-out` with a smaller load, against the suite's PostgreSQL (a database of its own)
// and Temporal dev server: two APIs and two workers, one of each killed with SIGKILL mid-load.

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

describe('two APIs and two workers, one of each SIGKILLed mid-load', () => {
  it('applies every write exactly once and completes every workflow the writes started', async () => {
    const report = await runScaleOut({
      servers: {
        ownerUrl: database.url,
        productUrl: database.productUrl,
        temporalAddress: inject('temporalAddress'),
      },
      dataDir: path.join(inject('scratchDir'), `scale-out-${database.name}`),
      workflowBundle: inject('workflowBundlePath'),
      load: { accounts: 16, applications: 12, cashIns: 12, statusChanges: 12, concurrency: 8 },
      logger: createLogger({ logLevel: 'warn' }),
    });
    console.log(formatReport(report));
    expect(report.sent).toBe(52);
    // The kill came while writes were still to be sent, and some had to go to the other API.
    expect(report.answeredBeforeKill).toBeLessThan(report.sent);
    expect(report).toMatchObject({
      applied: report.sent,
      duplicated: 0,
      lost: 0,
      failed: 0,
      workflowsStarted: 12,
      workflowsCompleted: 12,
      workflowsRunning: 0,
      cleanStops: 2,
    });
  });
});

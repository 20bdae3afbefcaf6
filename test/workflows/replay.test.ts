import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { describe, expect, inject, it } from 'vitest';

// Histories recorded from real runs (scripts/record-workflow-history.ts). Workflows live for
// months, so today's code must replay yesterday's runs; a non-deterministic change fails here.

const fixturesDir = fileURLToPath(new URL('../fixtures/histories', import.meta.url));
const fixtures = (await readdir(fixturesDir)).filter((name) => name.endsWith('.json')).sort();

describe('recorded workflow histories replay against the current code', () => {
  it('has a recorded run of every workflow type the worker registers', async () => {
    const recordedTypes = new Set(
      await Promise.all(
        fixtures.map(async (fixture) => {
          const { events } = JSON.parse(
            await readFile(path.join(fixturesDir, fixture), 'utf8'),
          ) as {
            events: {
              workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } };
            }[];
          };
          return events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
        }),
      ),
    );
    const registered = Object.keys(await import('../../workflows/index.js'));
    expect(registered.filter((type) => !recordedTypes.has(type))).toEqual([]);
  });

  for (const fixture of fixtures) {
    it(fixture, async () => {
      const history = historyFromJSON(
        JSON.parse(await readFile(path.join(fixturesDir, fixture), 'utf8')),
      );
      await expect(
        Worker.runReplayHistory(
          { workflowBundle: { codePath: inject('workflowBundlePath') } },
          history,
        ),
      ).resolves.toBeUndefined();
    });
  }
});

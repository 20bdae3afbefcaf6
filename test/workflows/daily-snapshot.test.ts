import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleIds } from '../../common/temporal-names.js';
import { ACCOUNT_LIMITS_CSV_HEADER } from '../../services/account-limits-reports.js';
import { addDays, localDate, offsetMs, zonedInstant } from '../../common/plain-dates.js';
import { dailySnapshotSpec } from '../../processes/snapshot-schedules.js';
import type { DailyAccountSnapshotResult } from '../../workflows/daily-account-snapshot.js';
import {
  OPERATOR_KEY,
  backdateLedger,
  createAccount,
  eventually,
  sampleOrg,
  startTestProduct,
  uniqueName,
  type TestProduct,
} from '../support/harness.js';
import { onboardingClient } from '../support/onboarding.js';

// On the real dev server: each org's schedule fires at 23:59 in the org's own time zone, across
// daylight-saving changes, and its runs record the local date of their scheduled time.

const localTime = (instant: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(instant);

let product: TestProduct;

beforeAll(async () => {
  product = await startTestProduct();
});
afterAll(async () => {
  await product?.stop();
});

async function createOrg(timeZone: string) {
  const response = await product.http('POST', '/v1/orgs', {
    key: OPERATOR_KEY,
    json: { ...sampleOrg, timeZone },
  });
  expect(response.status).toBe(201);
  return {
    orgId: response.body.org.id as string,
    key: response.body.apiKey.token as string,
    environmentId: response.body.apiKey.environmentId as string,
  };
}

const scheduleOf = (orgId: string) =>
  product.temporal.schedule.getHandle(scheduleIds.dailyAccountSnapshot(orgId));

/** The snapshot run the schedule started for `scheduledAt`, awaited to its end. */
async function runFor(orgId: string, scheduledAt: Date): Promise<DailyAccountSnapshotResult> {
  const action = await eventually(async () =>
    (await scheduleOf(orgId).describe()).info.recentActions.find(
      (a) => a.scheduledAt.getTime() === scheduledAt.getTime(),
    ),
  );
  return product.temporal.workflow.getHandle(action.action.workflow.workflowId).result();
}

/** The first day after `from` whose UTC offset in `timeZone` differs from the day before. */
function nextOffsetChange(timeZone: string, from: string): string {
  for (let day = addDays(from, 1); ; day = addDays(day, 1)) {
    if (
      offsetMs(zonedInstant(day, 12, 0, timeZone), timeZone) !==
      offsetMs(zonedInstant(addDays(day, -1), 12, 0, timeZone), timeZone)
    )
      return day;
  }
}

describe('daily snapshot schedule', () => {
  it('is created with the org at 23:59 in its time zone, and moves when the time zone changes', async () => {
    const { orgId } = await createOrg('America/New_York');
    const described = await scheduleOf(orgId).describe();
    expect(described.spec.timezone).toBe('America/New_York');
    expect(described.info.nextActionTimes.length).toBeGreaterThan(3);
    for (const at of described.info.nextActionTimes)
      expect(localTime(at, 'America/New_York')).toBe('23:59');

    const moved = await product.http('PATCH', `/v1/orgs/${orgId}`, {
      key: OPERATOR_KEY,
      json: { timeZone: 'Australia/Sydney' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.timeZone).toBe('Australia/Sydney');
    const after = await scheduleOf(orgId).describe();
    expect(after.spec.timezone).toBe('Australia/Sydney');
    for (const at of after.info.nextActionTimes)
      expect(localTime(at, 'Australia/Sydney')).toBe('23:59');
  });

  it('refuses a time zone that is not an IANA name, changing nothing', async () => {
    const { orgId } = await createOrg('America/New_York');
    const refused = await product.http('PATCH', `/v1/orgs/${orgId}`, {
      key: OPERATOR_KEY,
      json: { timeZone: '+05:00' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toContainEqual(
      expect.objectContaining({ field: 'body.timeZone', rule: 'invalid_time_zone' }),
    );
    expect((await scheduleOf(orgId).describe()).spec.timezone).toBe('America/New_York');
  });

  it('keeps 23:59 local across a daylight-saving change, while the UTC time shifts', async () => {
    for (const timeZone of ['America/New_York', 'Australia/Sydney']) {
      const change = nextOffsetChange(timeZone, localDate(new Date(), timeZone));
      const handle = await product.temporal.schedule.create({
        scheduleId: uniqueName('dst-probe'),
        spec: {
          ...dailySnapshotSpec(timeZone),
          startAt: zonedInstant(addDays(change, -4), 0, 0, timeZone),
        },
        action: {
          type: 'startWorkflow',
          workflowType: 'dailyAccountSnapshot',
          taskQueue: product.config.temporal.taskQueue,
          args: [{ orgId: 'unused' }],
        },
        state: { paused: true },
      });
      try {
        const times = (await handle.describe()).info.nextActionTimes;
        expect(times.map((t) => localDate(t, timeZone))).toContain(addDays(change, 3));
        for (const at of times) expect(localTime(at, timeZone)).toBe('23:59');
        const utcTimes = new Set(times.map((t) => t.toISOString().slice(11, 16)));
        expect(utcTimes.size).toBe(2);
      } finally {
        await handle.delete();
      }
    }
  });
});

describe('daily snapshot runs', () => {
  it('record each account for the local date of the scheduled time, once, with a report file that matches', async () => {
    const timeZone = 'Australia/Sydney';
    const { orgId, key, environmentId } = await createOrg(timeZone);
    const { accountId } = await createAccount(product.http, key);
    const cashIn = (amount: number) =>
      product.http('POST', `/v1/accounts/${accountId}/transactions`, {
        key,
        json: { type: 'CASH_IN', amount, currency: 'BRL' },
      });
    expect((await cashIn(700)).status).toBe(201);
    expect((await cashIn(300)).status).toBe(201);

    // The test environment and its account were opened three days ago (local), with 700 that day
    // and 300 today; the production environment onboarding builds meanwhile is from today.
    const today = localDate(new Date(), timeZone);
    const day = addDays(today, -2);
    const opened = zonedInstant(addDays(today, -3), 12, 0, timeZone);
    await product.prisma.environment.update({
      where: { id: environmentId },
      data: { createdAt: opened },
    });
    await product.prisma.account.update({ where: { id: accountId }, data: { createdAt: opened } });
    await backdateLedger(product.prisma, { accountId, amount: 700n }, opened);

    // A backfill of a missed day: the run records that day's balance, not today's.
    const scheduledAt = zonedInstant(day, 23, 59, timeZone);
    const backfill = () =>
      scheduleOf(orgId).backfill({
        start: new Date(scheduledAt.getTime() - 60_000),
        end: new Date(scheduledAt.getTime() + 60_000),
        overlap: ScheduleOverlapPolicy.ALLOW_ALL,
      });
    await backfill();
    expect(await runFor(orgId, scheduledAt)).toEqual({ date: day, written: 1, reports: 1 });
    const rows = await product.prisma.accountDailyBalance.findMany({ where: { accountId } });
    expect(rows).toMatchObject([
      {
        date: new Date(`${day}T00:00:00Z`),
        balance: 700n,
        creditLimit: 0n,
        availableToSpend: 700n,
      },
    ]);

    const file = path.join(
      product.config.reportsDir,
      orgId,
      environmentId,
      `account-limits-${day}.csv`,
    );
    const first = await readFile(file, 'utf8');
    const programId = rows[0]!.programId;
    expect(first).toBe(
      `${ACCOUNT_LIMITS_CSV_HEADER}\n${day},${accountId},${programId},BRL,700,0,0,700\n`,
    );

    // The same day again: nothing written twice, the same file byte for byte.
    const rerun = await product.temporal.workflow.execute('dailyAccountSnapshot', {
      workflowId: uniqueName('snapshot-rerun'),
      taskQueue: product.config.temporal.taskQueue,
      args: [{ orgId, scheduledAt: scheduledAt.toISOString() }],
    });
    expect(rerun).toEqual({ date: day, written: 0, reports: 1 });
    expect(await product.prisma.accountDailyBalance.count({ where: { accountId } })).toBe(1);
    expect(await readFile(file, 'utf8')).toBe(first);

    // Listed and downloadable by the org, and by no other org.
    const listed = await product.http('GET', '/v1/reports/account-limits', { key });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      {
        date: day,
        fileName: `account-limits-${day}.csv`,
        download: `/v1/reports/account-limits/${day}`,
      },
    ]);
    const downloaded = await fetch(`${product.baseUrl}/v1/reports/account-limits/${day}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(downloaded.status).toBe(200);
    expect(downloaded.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(await downloaded.text()).toBe(first);
    const other = await createOrg(timeZone);
    expect(
      (await product.http('GET', `/v1/reports/account-limits/${day}`, { key: other.key })).status,
    ).toBe(404);
    expect(
      (await product.http('GET', '/v1/reports/account-limits', { key: other.key })).body.items,
    ).toEqual([]);
  });
});

describe('report schedules', () => {
  it("stop a turned-off environment's file and its ready event while the other's go on, and resume when turned on", async () => {
    const timeZone = 'America/Sao_Paulo';
    const { orgId, key, environmentId: testEnvironment } = await createOrg(timeZone);
    await onboardingClient(product.http).waitForEnvironments(orgId);
    const productionEnvironment = (
      await product.prisma.environment.findFirstOrThrow({ where: { orgId, kind: 'PRODUCTION' } })
    ).id;
    const turn = async (enabled: boolean, version: number) => {
      const changed = await product.http('PUT', '/v1/report-schedules/account_limits', {
        key,
        json: { enabled },
        headers: { 'if-match': `"v${version}"` },
      });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    };
    // Now, so that both environments existed at the scheduled time
    const scheduledAt = new Date();
    const date = localDate(scheduledAt, timeZone);
    const run = (): Promise<DailyAccountSnapshotResult> =>
      product.temporal.workflow.execute('dailyAccountSnapshot', {
        workflowId: uniqueName('snapshot-schedule'),
        taskQueue: product.config.temporal.taskQueue,
        args: [{ orgId, scheduledAt: scheduledAt.toISOString() }],
      });
    const fileOf = (environmentId: string) =>
      path.join(product.config.reportsDir, orgId, environmentId, `account-limits-${date}.csv`);
    const exists = (file: string) =>
      access(file).then(
        () => true,
        () => false,
      );
    /** Each environment's ready events for the date, straight from the log. */
    const readyEvents = async () =>
      (
        await product.prisma.event.findMany({
          where: {
            orgId,
            type: 'report.account_limits_ready',
            subjectId: `account-limits:${date}`,
          },
        })
      )
        .map((e) => e.environmentId)
        .sort();

    await turn(false, 1);
    expect(await run()).toMatchObject({ date, reports: 1 });
    expect(await exists(fileOf(productionEnvironment))).toBe(true);
    expect(await exists(fileOf(testEnvironment))).toBe(false);
    expect(await readyEvents()).toEqual([productionEnvironment]);
    // The listing the file is served from shows nothing for the environment turned off
    expect((await product.http('GET', '/v1/reports/account-limits', { key })).body.items).toEqual(
      [],
    );

    // Turned on again: the next run writes it; a re-run (as a retried activity would) tells
    // nobody twice
    await turn(true, 2);
    expect(await run()).toMatchObject({ date, reports: 2 });
    expect(await run()).toMatchObject({ date, reports: 2 });
    expect(await exists(fileOf(testEnvironment))).toBe(true);
    expect(await readyEvents()).toEqual([productionEnvironment, testEnvironment].sort());
    const [ready] = await product.prisma.event.findMany({
      where: { type: 'report.account_limits_ready', environmentId: testEnvironment },
    });
    expect(ready).toMatchObject({
      subjectType: 'report',
      payload: {
        orgId,
        environmentId: testEnvironment,
        date,
        fileName: `account-limits-${date}.csv`,
      },
    });
  });
});

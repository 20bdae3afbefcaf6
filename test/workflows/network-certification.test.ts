import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../common/temporal-names.js';
import {
  getCertificationQuery,
  sendCertificationEventUpdate,
  type CertificationEventInput,
  type networkCertification,
} from '../../workflows/network-certification.js';
import { createOrgWithKey } from '../support/harness.js';
import { startTimeSkippingProduct, type TimeSkippingProduct } from '../support/time-skipping.js';

const DAY = 24 * 3600 * 1000;
let product: TimeSkippingProduct;
beforeAll(async () => {
  product = await startTimeSkippingProduct();
});
afterAll(async () => {
  await product?.stop();
});

/** Starts a certification and returns helpers that drive it on the server's clock. */
async function startCertification(network: 'VISA' | 'MASTERCARD') {
  // The org's own onboarding certifies with the other network, so this run is the only one with its id.
  const { orgId } = await createOrgWithKey(product.http, 'Certifying Bank', [
    network === 'VISA' ? 'MASTERCARD' : 'VISA',
  ]);
  const workflowId = workflowIds.networkCertification(orgId, network);
  const startedAt = await product.env.currentTimeMs();
  const first = await product.env.client.workflow.start<typeof networkCertification>(
    'networkCertification',
    {
      workflowId,
      taskQueue: product.taskQueue,
      args: [
        {
          orgId,
          network,
          startedAt: new Date(startedAt).toISOString(),
          reminderAfterDays: 14,
          deadlineDays: 180,
          maxHistoryEvents: 40,
        },
      ],
    },
  );
  // The latest run: the workflow continues as new along the way
  const latest = () =>
    product.env.client.workflow.getHandle<typeof networkCertification>(workflowId);
  return {
    orgId,
    startedAt: new Date(startedAt).toISOString(),
    first,
    latest,
    onDay: async (day: number) =>
      product.env.sleep(startedAt + day * DAY - (await product.env.currentTimeMs())),
    send: (type: CertificationEventInput['type']) =>
      latest().executeUpdate(sendCertificationEventUpdate, { args: [{ type, by: 'ops' }] }),
    view: () => latest().query(getCertificationQuery),
  };
}

/** The org's events about one network's certification, oldest first, by type. */
async function eventsOf(orgId: string, network: string) {
  const events = await product.prisma.event.findMany({
    where: { orgId, subjectId: `${orgId}:${network}` },
    orderBy: { sequence: 'asc' },
  });
  const ofType = (type: string) =>
    events.filter((e) => e.type === type).map((e) => e.payload as Record<string, any>);
  return { events, ofType };
}

describe('a six-month card-network certification (time-skipped)', () => {
  it('reminds every 14 days without progress, and refuses a step the machine does not allow now', async () => {
    const { orgId, first, onDay, send, view } = await startCertification('MASTERCARD');
    await onDay(20);
    expect((await view()).remindersSent).toBe(1); // day 14
    await send('KICKOFF_HELD');
    await onDay(30);
    await send('TEST_PLAN_AGREED');
    await onDay(101); // reminders on days 44, 58, 72, 86, 100
    expect((await view()).remindersSent).toBe(6);
    await send('RESULTS_SUBMITTED');
    await onDay(110);
    await send('FAILED');
    const refused: unknown = await send('KICKOFF_HELD').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({
      cause: {
        type: 'TRANSITION_NOT_ALLOWED',
        message: expect.stringMatching(
          /not allowed while the MASTERCARD certification is in stage retesting/,
        ),
      },
    });
    await send('RESULTS_SUBMITTED');
    await send('CERTIFIED');
    const result = await first.result();
    expect(result).toMatchObject({ stage: 'certified', escalated: false, remindersSent: 6 });

    // One event per reminder sent, each telling where it waits; no escalation
    const { ofType } = await eventsOf(orgId, 'MASTERCARD');
    expect(ofType('certification.reminder_sent').map((p) => [p.stage, p.reminder])).toEqual([
      ['kickoff', 1],
      ['testing', 1],
      ['testing', 2],
      ['testing', 3],
      ['testing', 4],
      ['testing', 5],
    ]);
    expect(ofType('certification.escalated')).toEqual([]);
    expect(ofType('certification.certified')).toHaveLength(1);
  });

  it('escalates at the deadline without failing, and a late milestone completes it', async () => {
    const { orgId, startedAt, first, latest, onDay, send, view } = await startCertification('VISA');
    await onDay(10);
    await send('KICKOFF_HELD');
    await onDay(20);
    await send('TEST_PLAN_AGREED');
    await onDay(40);
    await send('RESULTS_SUBMITTED');
    await onDay(50);
    await send('FAILED');
    await onDay(60);
    await send('RESULTS_SUBMITTED');
    await onDay(179);
    expect(await view()).toMatchObject({ stage: 'underReview', escalated: false, done: false });
    await onDay(181);
    expect(await view()).toMatchObject({ stage: 'underReview', escalated: true, done: false });
    // Day 195, between reminders: day 200 would race the eleventh reminder's timer.
    await onDay(195);
    expect(await send('CERTIFIED')).toMatchObject({ stage: 'certified', escalated: true });

    const result = await latest().result();
    expect(result).toMatchObject({ stage: 'certified', escalated: true, done: true });
    // 14 days into each silence and every 14 days after: day 34, then 74, 88, 102, ..., 186
    expect(result.remindersSent).toBe(10);
    expect(result.history.map((h) => h.event)).toEqual([
      'KICKOFF_HELD',
      'TEST_PLAN_AGREED',
      'RESULTS_SUBMITTED',
      'FAILED',
      'RESULTS_SUBMITTED',
      'CERTIFIED',
    ]);
    // Only this run's: the org's onboarding runs a certification of its own alongside.
    const sent = await product.prisma.notification.groupBy({
      by: ['kind'],
      where: { orgId, dedupeKey: { startsWith: workflowIds.networkCertification(orgId, 'VISA') } },
      _count: true,
    });
    expect(Object.fromEntries(sent.map((s) => [s.kind, s._count]))).toEqual({
      'certification-reminder': 10,
      'certification-escalation': 1,
    });
    // The events tell the same: one per reminder, one escalation, each once
    const { events, ofType } = await eventsOf(orgId, 'VISA');
    expect(ofType('certification.reminder_sent')).toHaveLength(10);
    const escalated = ofType('certification.escalated');
    expect(escalated).toEqual([
      {
        orgId,
        network: 'VISA',
        startedAt,
        stage: 'underReview',
        lastProgressAt: result.history[4]!.at,
        deadline: result.deadline,
      },
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    // The run continued as new along the way, so no single run's history grew with the months
    const { runId } = await latest().describe();
    expect(runId).not.toBe(first.firstExecutionRunId);
  });
});

describe('a reminder whose send is retried', () => {
  it('is sent once and told once', async () => {
    const { orgId } = await createOrgWithKey(product.http, 'Reminded Bank', ['VISA']);
    const startedAt = new Date().toISOString();
    const reminder = {
      orgId,
      kind: 'certification-reminder',
      dedupeKey: `retried-reminder-${orgId}`,
      subject: 'MASTERCARD certification has not moved',
      body: 'No progress.',
      event: {
        type: 'certification.reminder_sent' as const,
        key: `certification:${orgId}:MASTERCARD:${startedAt}:reminder:${startedAt}:1`,
        orgId,
        environmentId: null,
        subjectType: 'certification' as const,
        subjectId: `${orgId}:MASTERCARD`,
        payload: {
          orgId,
          network: 'MASTERCARD',
          startedAt,
          stage: 'kickoff',
          lastProgressAt: startedAt,
          deadline: startedAt,
          reminder: 1,
        },
      },
    };
    // The commit landed but Temporal never heard: the retry sends and records nothing more
    await product.parts.activities.sendNotification(reminder);
    await product.parts.activities.sendNotification(reminder);
    expect(
      await product.prisma.notification.count({ where: { dedupeKey: reminder.dedupeKey } }),
    ).toBe(1);
    const { ofType } = await eventsOf(orgId, 'MASTERCARD');
    expect(ofType('certification.reminder_sent')).toEqual([reminder.event.payload]);
  });
});

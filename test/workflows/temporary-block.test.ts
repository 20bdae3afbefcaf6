import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { workflowIds } from '../../common/temporal-names.js';
import { temporalTemporaryBlocks } from '../../processes/temporary-blocks.js';
import type { accountTemporaryBlock } from '../../workflows/account-temporary-block.js';
import { createAccount, createOrgWithKey } from '../support/harness.js';
import { startTimeSkippingProduct, type TimeSkippingProduct } from '../support/time-skipping.js';

const DAY = 24 * 3600 * 1000;
let product: TimeSkippingProduct;
let key: string;

beforeAll(async () => {
  product = await startTimeSkippingProduct();
  key = (await createOrgWithKey(product.http)).key;
});
afterAll(async () => {
  await product?.stop();
});

const block = (accountId: string, until?: Date) =>
  product.http('PATCH', `/v1/accounts/${accountId}/status`, {
    key,
    json: { status: 'BLOCKED', ...(until ? { until: until.toISOString() } : {}) },
  });
const setStatus = (accountId: string, status: string) =>
  product.http('PATCH', `/v1/accounts/${accountId}/status`, { key, json: { status } });
const account = async (accountId: string) =>
  (await product.http('GET', `/v1/accounts/${accountId}`, { key })).body;
const rollback = (accountId: string) =>
  product.http('POST', `/v1/accounts/${accountId}/status/rollback`, { key, json: {} });
const lastHistory = async (accountId: string) =>
  (await product.http('GET', `/v1/accounts/${accountId}/status-history`, { key })).body.items.at(
    -1,
  );
/** The server's clock, which time skipping moves ahead of the real one. */
const inDays = async (days: number) => new Date((await product.env.currentTimeMs()) + days * DAY);
/** The events a block's end recorded for the account, straight from the log. */
const liftedEvents = (accountId: string) =>
  product.prisma.event.findMany({
    where: { type: 'account.temporary_block_lifted', subjectId: accountId },
  });
const timer = (accountId: string, until: Date) =>
  product.env.client.workflow.getHandle<typeof accountTemporaryBlock>(
    workflowIds.accountTemporaryBlock(accountId, until),
  );

describe('temporary blocks (time-skipped)', () => {
  it('lift themselves at their end time with a system reason, and not before', async () => {
    const { accountId } = await createAccount(product.http, key);
    const until = await inDays(3);
    const blocked = await block(accountId, until);
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ status: 'BLOCKED', blockedUntil: until.toISOString() });

    await product.env.sleep('2 days');
    expect((await account(accountId)).status).toBe('BLOCKED');

    expect(await timer(accountId, until).result()).toBe('unblocked');
    expect(await account(accountId)).toMatchObject({
      status: 'NORMAL',
      blockedUntil: null,
      statusReason: { code: 'TEMPORARY_BLOCK_EXPIRED' },
    });
    expect(await lastHistory(accountId)).toMatchObject({
      kind: 'AUTOMATIC_UNBLOCK',
      from: 'BLOCKED',
      to: 'NORMAL',
      by: 'system',
      reason: { code: 'TEMPORARY_BLOCK_EXPIRED' },
    });
    const lifted = await liftedEvents(accountId);
    expect(lifted).toHaveLength(1);
    expect(lifted[0]).toMatchObject({
      subjectType: 'account',
      payload: {
        accountId,
        from: 'BLOCKED',
        to: 'NORMAL',
        reason: { code: 'TEMPORARY_BLOCK_EXPIRED' },
        accountVersion: (await account(accountId)).version,
      },
    });
  });

  it('leave a cancelled account CANCELLED when their time comes', async () => {
    const { accountId } = await createAccount(product.http, key);
    const until = await inDays(3);
    await block(accountId, until);
    await product.env.sleep('1 day');
    expect((await setStatus(accountId, 'CANCELLED')).body.status).toBe('CANCELLED');

    expect(await timer(accountId, until).result()).toBe('cancelled');
    await product.env.sleep('5 days');
    expect((await account(accountId)).status).toBe('CANCELLED');
    expect((await lastHistory(accountId)).to).toBe('CANCELLED');
    expect(await liftedEvents(accountId)).toEqual([]);
  });

  it('are re-timed by blocking again with another end time', async () => {
    const { accountId } = await createAccount(product.http, key);
    const first = await inDays(3);
    const second = await inDays(10);
    await block(accountId, first);
    const reblocked = await block(accountId, second);
    expect(reblocked.body).toMatchObject({ status: 'BLOCKED', blockedUntil: second.toISOString() });

    await product.env.sleep('5 days');
    expect((await account(accountId)).status).toBe('BLOCKED');
    expect(await timer(accountId, first).result()).toBe('cancelled');
    expect(await timer(accountId, second).result()).toBe('unblocked');
    expect((await account(accountId)).status).toBe('NORMAL');
  });

  it('come back by a rollback with their reason, description and end, and still lift at that end', async () => {
    const { accountId } = await createAccount(product.http, key);
    const created = await product.http('POST', '/v1/account-status-reasons', {
      key,
      json: { code: 'CHARGEBACK', description: 'Chargeback dispute', appliesTo: ['BLOCKED'] },
    });
    const chargeback = created.body as { id: string; code: string };
    const until = await inDays(3);
    const blocked = await product.http('PATCH', `/v1/accounts/${accountId}/status`, {
      key,
      json: {
        status: 'BLOCKED',
        reasonId: chargeback.id,
        description: 'Chargeback under review',
        until: until.toISOString(),
      },
    });
    expect(blocked.status).toBe(200);
    const blockEntry = await lastHistory(accountId);
    expect((await setStatus(accountId, 'CANCELLED')).body.status).toBe('CANCELLED');

    // Straight after the cancel: the cancelled timer's run may still be open
    const restored = await rollback(accountId);
    expect(restored.status).toBe(200);
    const block = {
      status: 'BLOCKED',
      statusReason: { id: chargeback.id, code: 'CHARGEBACK' },
      statusDescription: 'Chargeback under review',
      blockedUntil: until.toISOString(),
    };
    expect(restored.body).toMatchObject(block);
    expect(await lastHistory(accountId)).toMatchObject({
      kind: 'ROLLBACK',
      from: 'CANCELLED',
      to: 'BLOCKED',
      reason: { id: chargeback.id, code: 'CHARGEBACK' },
      description: 'Chargeback under review',
      blockedUntil: until.toISOString(),
      restores: blockEntry.id,
    });
    const [rolledBack] = await product.prisma.event.findMany({
      where: { type: 'account.status_rolled_back', subjectId: accountId },
    });
    expect(rolledBack?.payload).toMatchObject({
      from: 'CANCELLED',
      to: 'BLOCKED',
      reason: { id: chargeback.id, code: 'CHARGEBACK' },
      description: 'Chargeback under review',
      blockedUntil: until.toISOString(),
    });

    await product.env.sleep('2 days');
    expect(await account(accountId)).toMatchObject(block);
    expect(await timer(accountId, until).result()).toBe('unblocked');
    expect(await account(accountId)).toMatchObject({
      status: 'NORMAL',
      blockedUntil: null,
      statusReason: { code: 'TEMPORARY_BLOCK_EXPIRED' },
    });
    expect(await liftedEvents(accountId)).toHaveLength(1);
  });

  it('do nothing to an account that left the block and was blocked again for good', async () => {
    const { accountId } = await createAccount(product.http, key);
    const until = await inDays(2);
    await block(accountId, until);
    await setStatus(accountId, 'NORMAL');
    await block(accountId);
    await product.env.sleep('3 days');
    expect(await account(accountId)).toMatchObject({ status: 'BLOCKED', blockedUntil: null });
  });

  it('refuses an end time in the past or on a status other than BLOCKED', async () => {
    const { accountId } = await createAccount(product.http, key);
    const past = await block(accountId, new Date(Date.now() - 1000));
    expect(past.status).toBe(400);
    expect(past.body.errors[0]).toMatchObject({ field: 'body.until', rule: 'must_be_future' });
    const onCancel = await product.http('PATCH', `/v1/accounts/${accountId}/status`, {
      key,
      json: { status: 'CANCELLED', until: new Date(Date.now() + DAY).toISOString() },
    });
    expect(onCancel.status).toBe(400);
    expect((await account(accountId)).status).toBe('NORMAL');
  });
});

describe('the timer', () => {
  it('keeps waiting when the account comes back to its block before a cancel sent on leaving it ended the run', async () => {
    const { accountId } = await createAccount(product.http, key);
    const until = await inDays(1);
    // Blocked without the API, whose timer would be this one on the product's own queue
    const row = await product.prisma.account.update({
      where: { id: accountId },
      data: { status: 'BLOCKED', blockedUntil: until },
    });
    const tenant = { orgId: row.orgId, environmentId: row.environmentId };
    // A queue no worker polls yet: the cancel and the return reach the run before it runs a step
    const taskQueue = `${product.taskQueue}-late`;
    const timers = temporalTemporaryBlocks({
      temporal: product.env.client,
      taskQueue,
      searchAttributes: false,
    });
    await timers.schedule(tenant, accountId, until);
    await timers.cancel(accountId, until);
    await timers.schedule(tenant, accountId, until);
    const worker = await Worker.create({
      connection: product.env.nativeConnection,
      namespace: product.env.namespace ?? 'default',
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: product.parts.activities,
    });
    expect(await worker.runUntil(timer(accountId, until).result())).toBe('unblocked');
    expect((await account(accountId)).status).toBe('NORMAL');
  });
});

describe('the expiry activity', () => {
  it('does nothing when the account is no longer in that block, and a retry finds its own unblock done', async () => {
    const { accountId } = await createAccount(product.http, key);
    const until = await inDays(1);
    await block(accountId, until);
    const activities = product.parts.activities;
    const row = await product.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
    const input = { accountId, orgId: row.orgId, environmentId: row.environmentId };
    expect(
      await activities.expireTemporaryBlock({
        ...input,
        until: new Date(until.getTime() + 1).toISOString(),
      }),
    ).toBe('skipped');
    expect(await activities.expireTemporaryBlock({ ...input, until: until.toISOString() })).toBe(
      'unblocked',
    );
    // The commit landed but Temporal never heard: the retry answers as the first attempt did
    expect(await activities.expireTemporaryBlock({ ...input, until: until.toISOString() })).toBe(
      'unblocked',
    );
    expect(
      await activities.expireTemporaryBlock({
        ...input,
        until: new Date(until.getTime() + 1).toISOString(),
      }),
    ).toBe('skipped');
    expect(
      await product.prisma.accountStatusChange.count({
        where: { accountId, kind: 'AUTOMATIC_UNBLOCK' },
      }),
    ).toBe(1);
    expect(await liftedEvents(accountId)).toHaveLength(1);
  });
});

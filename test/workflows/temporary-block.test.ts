import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../common/temporal-names.js';
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../common/temporal-names.js';
import {
  getApplicationQuery,
  type accountApplication,
} from '../../workflows/account-application.js';
import {
  createAccount,
  createOrgWithKey,
  startTestProduct,
  type TestProduct,
  expectProblem,
} from '../support/harness.js';

let product: TestProduct;
let key: string;
let otherKey: string;
let programId: string;

beforeAll(async () => {
  product = await startTestProduct();
  key = (await createOrgWithKey(product.http, 'Applications Bank')).key;
  otherKey = (await createOrgWithKey(product.http, 'Other Bank')).key;
  const program = await product.http('POST', '/v1/programs', {
    key,
    json: {
      name: 'Platinum',
      type: 'CREDIT',
      cardNetwork: 'MASTERCARD',
      currency: 'BRL',
      dueDays: [5, 10, 20],
      defaultCreditLimit: 500_000,
    },
  });
  expect(program.status).toBe(201);
  programId = program.body.id;
});
afterAll(async () => {
  await product?.stop();
});

const person = (documentNumber: string, extra: object = {}) => ({
  person: { name: 'Ana Souza', documentNumber, ...extra },
});
const create = (json: object, k = key) =>
  product.http('POST', '/v1/account-applications', { key: k, json });
const update = (id: string, json: object) =>
  product.http('PATCH', `/v1/account-applications/${id}`, { key, json });
const act = (id: string, action: 'submit' | 'cancel', k = key) =>
  product.http('POST', `/v1/account-applications/${id}/${action}`, { key: k });
const get = (id: string) => product.http('GET', `/v1/account-applications/${id}`, { key });
const finished = (id: string) =>
  product.temporal.workflow
    .getHandle<typeof accountApplication>(workflowIds.accountApplication(id))
    .result();

describe('account applications', () => {
  it('turns a draft, updated twice and submitted, into one account with its holder and customers', async () => {
    const draft = await create({
      programId,
      applicant: person('111.222.333-44', {
        addresses: [
          {
            type: 'RESIDENTIAL',
            line1: 'Rua A 1',
            city: 'Recife',
            postalCode: '50000-000',
            country: 'BR',
          },
        ],
      }),
    });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ status: 'DRAFT', accountId: null });
    const id: string = draft.body.id;

    const first = await update(id, {
      applicant: person('111.222.333-44', {
        contacts: [{ type: 'EMAIL', value: 'ana@example.com' }],
        addresses: [
          {
            type: 'MAILING',
            line1: 'Caixa Postal 9',
            city: 'Recife',
            postalCode: '50000-001',
            country: 'BR',
          },
        ],
      }),
    });
    expect(first.status).toBe(200);
    expect(first.body.applicant.person.addresses).toHaveLength(2);
    const second = await update(id, {
      additionalCustomers: [person('555.666.777-88', { name: 'Bruno Souza' })],
    });
    expect(second.body).toMatchObject({ status: 'DRAFT', programId });
    expect(second.body.applicant.person.contacts).toEqual([
      { type: 'EMAIL', value: 'ana@example.com' },
    ]);
    expect(second.body.additionalCustomers).toHaveLength(1);

    const submitted = await act(id, 'submit');
    expect(submitted.status).toBe(200);
    expect(submitted.body.status).toBe('SUBMITTED');
    const result = await finished(id);
    expect(result.status).toBe('ACCOUNT_CREATED');
    const application = await get(id);
    expect(application.body).toMatchObject({
      status: 'ACCOUNT_CREATED',
      accountId: result.accountId,
    });

    const account = await product.http('GET', `/v1/accounts/${result.accountId}`, { key });
    expect(account.body).toMatchObject({
      status: 'NORMAL',
      creditLimit: 500_000,
      holder: { documentNumber: '111.222.333-44' },
    });
    const customers = await product.http('GET', `/v1/accounts/${result.accountId}/customers`, {
      key,
    });
    expect(
      customers.body.items.map(
        (c: { role: string; customer: { name: string } }) => `${c.role}:${c.customer.name}`,
      ),
    ).toEqual(['HOLDER:Ana Souza', 'ADDITIONAL:Bruno Souza']);
    expect(customers.body.items[0].customer.addresses).toHaveLength(2);

    expectProblem(await update(id, { programId }), 409);
    const retried = await act(id, 'submit');
    expect(retried.body).toMatchObject({ status: 'ACCOUNT_CREATED', accountId: result.accountId });
    expect(await product.prisma.account.count({ where: { applicationId: id } })).toBe(1);
  });

  it("reuses the customer for the same person's second application", async () => {
    const a = await create({ programId, applicant: person('999.888.777-66'), submit: true });
    const b = await create({ programId, applicant: person('999.888.777-66'), submit: true });
    const [ra, rb] = await Promise.all([finished(a.body.id), finished(b.body.id)]);
    expect(ra.status).toBe('ACCOUNT_CREATED');
    expect(rb.status).toBe('ACCOUNT_CREATED');
    expect(ra.accountId).not.toBe(rb.accountId);
    const holderA = (await product.http('GET', `/v1/accounts/${ra.accountId}`, { key })).body.holder
      .customerId;
    const holderB = (await product.http('GET', `/v1/accounts/${rb.accountId}`, { key })).body.holder
      .customerId;
    expect(holderB).toBe(holderA);
    const accounts = await product.http('GET', `/v1/customers/${holderA}/accounts`, { key });
    expect(accounts.body.items.map((i: { accountId: string }) => i.accountId).sort()).toEqual(
      [ra.accountId, rb.accountId].sort(),
    );
  });

  it('rejects, with reasons, a parent of another org or a cancelled parent, creating nothing', async () => {
    const { accountId: foreignParent } = await createAccount(product.http, otherKey);
    const { accountId: cancelledParent } = await createAccount(product.http, key);
    await product.http('PATCH', `/v1/accounts/${cancelledParent}/status`, {
      key,
      json: { status: 'CANCELLED' },
    });
    const before = await product.prisma.account.count();
    for (const parentAccountId of [foreignParent, cancelledParent]) {
      const created = await create({
        programId,
        applicant: person('123.123.123-12'),
        parentAccountId,
        submit: true,
      });
      const result = await finished(created.body.id);
      expect(result.status).toBe('REJECTED');
      expect(result.rejectionReasons.join(' ')).toMatch(/parentAccountId/);
    }
    expect(await product.prisma.account.count()).toBe(before);
  });

  it('cancels a draft for good', async () => {
    const draft = await create({ applicant: person('321.321.321-32') });
    const cancelled = await act(draft.body.id, 'cancel');
    expect(cancelled.body.status).toBe('CANCELLED');
    expectProblem(await act(draft.body.id, 'submit'), 409);
    expectProblem(await update(draft.body.id, { programId }), 409);
    expect((await finished(draft.body.id)).status).toBe('CANCELLED');
  });

  it('refuses bad input with 4xx problems and starts nothing', async () => {
    const before = await product.prisma.account.count();
    const both = await create({
      programId,
      applicant: {
        person: { name: 'A', documentNumber: 'P-1234' },
        company: { legalName: 'B', documentNumber: 'C-1234' },
      },
    });
    expectProblem(both, 400);
    expectProblem(await create({ programId, applicant: {} }), 400);
    const malformed = await create({ programId, applicant: person('bad doc!') });
    expectProblem(malformed, 400);
    expect(malformed.body.errors[0].field).toMatch(/documentNumber/);
    const incomplete = await create({ submit: true, applicant: person('456.456.456-45') });
    expectProblem(incomplete, 400);
    expect(incomplete.body.errors).toContainEqual(
      expect.objectContaining({ field: 'body.programId', rule: 'required' }),
    );

    const draft = await create({ applicant: person('654.654.654-65') });
    expectProblem(
      await update(draft.body.id, {
        applicant: { company: { legalName: 'Switch', documentNumber: '11.222.333/0001-44' } },
      }),
      409,
    );
    const lacking = await act(draft.body.id, 'submit');
    expectProblem(lacking, 409);
    expect(lacking.body.detail).toContain('programId');
    expectProblem(await act(draft.body.id, 'submit', otherKey), 404);
    expect(await product.prisma.account.count()).toBe(before);
  });
});

describe('processing an application', () => {
  it('makes one account however often it runs (a retried activity)', async () => {
    const { body } = await create({ programId, applicant: person('777.777.777-77') });
    const view = await product.temporal.workflow
      .getHandle(workflowIds.accountApplication(body.id))
      .query(getApplicationQuery);
    const activities = product.parts.activities;
    const input = {
      applicationId: body.id,
      orgId: view.orgId,
      environmentId: view.environmentId,
      data: view.data,
    };
    const [first, second] = await Promise.all([
      activities.processApplication(input),
      activities.processApplication(input),
    ]);
    const third = await activities.processApplication(input);
    expect(first.accountId).toBeDefined();
    expect(second.accountId).toBe(first.accountId);
    expect(third.accountId).toBe(first.accountId);
    expect(await product.prisma.account.count({ where: { applicationId: body.id } })).toBe(1);
  });
});

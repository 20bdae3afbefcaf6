import { minorUnits } from '../../machines/balance-limits.js';
import { resolveRange } from '../../machines/daily-balance-range.js';
import type { DailyBalanceService } from '../../services/daily-balances.js';
import { problemSchema, type Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { z } from '../zod.js';
import { plainDate } from './plain-date.js';
import { examples } from '../openapi-examples.js';

const query = z.strictObject({
  start_date: plainDate
    .optional()
    .openapi({ description: 'Defaults to 10 days before end_date; at most 515 days back' }),
  end_date: plainDate.optional().openapi({
    description:
      "Defaults to yesterday in the org's time zone (or 10 days after start_date, if earlier); today is not over and cannot be queried",
  }),
  page: z.coerce.number().int().min(1).max(1_000).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(20),
});

const entry = z
  .object({
    date: z.iso.date(),
    currency: z.string(),
    programId: z.uuid(),
    balance: z
      .number()
      .int()
      .openapi({ description: 'Minor units; negative when the account owes' }),
    creditLimit: z.number().int().openapi({ description: 'Total credit limit' }),
    availableCreditLimit: z
      .number()
      .int()
      .openapi({ description: 'Credit limit not used by a negative balance' }),
    availableToSpend: z.number().int().openapi({ description: 'Balance plus credit limit' }),
  })
  .openapi('DailyBalanceLimits', { example: examples.DailyBalanceLimits });

export function registerDailyBalanceRoutes(api: Api, balances: DailyBalanceService): void {
  api.route({
    method: 'get',
    path: '/v1/accounts/:accountId/daily-balance-limits',
    operationId: 'listDailyBalanceLimits',
    summary:
      "The account's balances and limits as recorded at 23:59 each day in the org's time zone",
    tag: 'Accounts',
    access: 'org',
    params: z.strictObject({ accountId: z.uuid({ message: 'must be a UUID' }) }),
    query,
    responses: {
      200: {
        example: examples.listDailyBalanceLimits,
        description: 'One page of days, oldest first',
        schema: z.object({
          startDate: z.iso.date(),
          endDate: z.iso.date(),
          items: z.array(entry),
          pagination: z.object({
            page: z.number().int(),
            perPage: z.number().int(),
            totalItems: z.number().int(),
            totalPages: z.number().int(),
          }),
        }),
      },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, query, caller }) => {
      const tenant = tenantOf(caller);
      const range = resolveRange(query, await balances.today(tenant, new Date()));
      const { items, totalItems } = await balances.page(tenant, params.accountId, range, {
        page: query.page,
        perPage: query.per_page,
      });
      return {
        status: 200,
        body: {
          startDate: range.start,
          endDate: range.end,
          items: items.map((row) => ({
            date: row.date.toISOString().slice(0, 10),
            currency: row.currency,
            programId: row.programId,
            balance: minorUnits(row.balance),
            creditLimit: minorUnits(row.creditLimit),
            availableCreditLimit: minorUnits(row.availableCreditLimit),
            availableToSpend: minorUnits(row.availableToSpend),
          })),
          pagination: {
            page: query.page,
            perPage: query.per_page,
            totalItems,
            totalPages: Math.ceil(totalItems / query.per_page),
          },
        },
      };
    },
  });
}

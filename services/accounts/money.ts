import type { AccountTransaction } from '../../generated/prisma/client.js';
import type { TransactionType } from '../../generated/prisma/enums.js';
import { cashMovement, minorUnits } from '../../machines/balance-limits.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { recordEvent } from '../events.js';
import type { IdSource } from '../ids.js';
import type { Actor, Tenant } from '../tenant.js';
import { inTransaction } from '../transactions.js';
import { lockAccount } from './lock.js';
import type { AccountRecord } from './records.js';

// Cash-in and cash-out: the balance moves in the same transaction as its ledger row and its
// account.transaction_posted event.

export interface MoneyMovement {
  type: TransactionType;
  amount: number;
  currency: string;
}

export function createAccountLedger({ prisma }: { prisma: PrismaClient }) {
  return {
    /**
     * Cash-in or cash-out, as machines/balance-limits.ts decides it on the locked account. The
     * transaction's id comes from `ids`: a retry of the same request finds its movement made
     * and moves nothing again.
     */
    move(
      tenant: Tenant,
      accountId: string,
      movement: MoneyMovement,
      actor: Actor,
      ids: IdSource,
    ): Promise<{ transaction: AccountTransaction; account: AccountRecord }> {
      const transactionId = ids.uuid('transaction');
      return inTransaction(prisma, async (tx) => {
        const account = await lockAccount(tx, tenant, accountId);
        const done = await tx.accountTransaction.findFirst({
          where: { id: transactionId, accountId: account.id },
        });
        if (done) return { transaction: done, account };
        const amount = BigInt(movement.amount);
        const decided = cashMovement(account, { ...movement, amount });
        if ('refusal' in decided) throw decided.refusal;
        const balance = decided.balanceAfter;
        const version = account.version + 1;
        await tx.account.update({
          where: { id: account.id },
          data: { balance, version },
        });
        const transaction = await tx.accountTransaction.create({
          data: {
            id: transactionId,
            ...tenant,
            accountId: account.id,
            type: movement.type,
            amount,
            currency: movement.currency,
            balanceAfter: balance,
            actor: actor.actor,
            requestId: actor.requestId ?? null,
          },
        });
        await recordEvent(tx, {
          type: 'account.transaction_posted',
          key: `account:${account.id}:v${version}`,
          ...tenant,
          subjectType: 'account',
          subjectId: account.id,
          occurredAt: transaction.createdAt,
          payload: {
            accountId: account.id,
            transactionId,
            type: movement.type,
            amount: movement.amount,
            currency: movement.currency,
            balanceAfter: minorUnits(balance),
            accountVersion: version,
          },
        });
        return { transaction, account: { ...account, balance, version } };
      });
    },
  };
}

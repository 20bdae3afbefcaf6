import { DomainFailure } from '../../common/failures.js';
import type { AccountTransaction } from '../../generated/prisma/client.js';
import type { TransactionType } from '../../generated/prisma/enums.js';
import { can } from '../../machines/account-status.js';
import { MAX_BALANCE, minorUnits } from '../../machines/balance-limits.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { IdSource } from '../ids.js';
import type { Actor, Tenant } from '../tenant.js';
import { inTransaction } from '../transactions.js';
import { lockAccount } from './lock.js';

// Cash-in and cash-out: the balance moves in the same transaction as its ledger row.

export interface MoneyMovement {
  type: TransactionType;
  amount: number;
  currency: string;
}

export function createAccountLedger({ prisma }: { prisma: PrismaClient }) {
  return {
    /**
     * Cash-in or cash-out: allowed or refused by the status alone, as the machine says. The
     * transaction's id comes from `ids`: a retry of the same request finds its movement made
     * and moves nothing again.
     */
    move(
      tenant: Tenant,
      accountId: string,
      movement: MoneyMovement,
      actor: Actor,
      ids: IdSource,
    ): Promise<AccountTransaction> {
      const transactionId = ids.uuid('transaction');
      return inTransaction(prisma, async (tx) => {
        const account = await lockAccount(tx, tenant, accountId);
        const done = await tx.accountTransaction.findFirst({
          where: { id: transactionId, accountId: account.id },
        });
        if (done) return done;
        if (movement.currency !== account.currency) {
          throw DomainFailure.invalid([
            {
              field: 'currency',
              rule: 'currency_mismatch',
              message: `must be ${account.currency}, the currency of the account's program`,
            },
          ]);
        }
        if (!can(account.status, movement.type === 'CASH_IN' ? 'cashIn' : 'cashOut')) {
          throw new DomainFailure(
            'OPERATION_NOT_ALLOWED',
            `${movement.type} is not allowed while the account is ${account.status}`,
            {
              currentStatus: account.status,
              operation: movement.type,
            },
          );
        }
        const amount = BigInt(movement.amount);
        const balance =
          movement.type === 'CASH_IN' ? account.balance + amount : account.balance - amount;
        if (balance > MAX_BALANCE) {
          throw DomainFailure.invalid([
            {
              field: 'amount',
              rule: 'balance_limit',
              message: `would take the balance to ${balance}, past ${MAX_BALANCE}, the most an account holds (minor units)`,
            },
          ]);
        }
        if (balance + account.creditLimit < 0n) {
          const available = account.balance + account.creditLimit;
          throw new DomainFailure(
            'INSUFFICIENT_FUNDS',
            `${movement.amount} is more than the ${available} available (balance plus credit limit)`,
            {
              balance: minorUnits(account.balance),
              available: minorUnits(available),
            },
          );
        }
        await tx.account.update({
          where: { id: account.id },
          data: { balance, version: account.version + 1 },
        });
        return tx.accountTransaction.create({
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
      });
    },
  };
}

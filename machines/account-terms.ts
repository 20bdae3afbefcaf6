import { DomainFailure, type FieldIssue } from '../common/failures.js';
import { can, type AccountStatus } from './account-status.js';
import { CHANGE_CUTOFF_DAYS, cycleClosingDate, lastChangeDate } from './credit-cycle.js';

// The terms of an account beyond its status (seed: "Migrate account to different program",
// "Change due date for credit programs"). A credit program offers due days and a default credit
// limit, which no other program has; a credit account's due day is one its program offers. An
// account moves only to a program of the same type,
// currency and card network, and a credit account only to one that offers its due day (else its
// due day changes first); a credit account's due day moves later, to a day its program offers,
// up to the program's limit of changes per credit cycle and until shortly before the cycle
// closes. Pure: the service locks the account, asks here, then writes.

export interface ProgramTerms {
  type: string;
  currency: string;
  cardNetwork: string;
  dueDays: number[];
}

export interface AccountTerms extends ProgramTerms {
  status: AccountStatus;
  /** Credit accounts: the day of the month the bill is due */
  dueDay: number | null;
  /** How often the program lets the due day change per credit cycle */
  dueDayChangeLimit: number;
  /** YYYY-MM-DD closing date of the cycle the due day last changed in */
  dueDayCycleClosesOn: string | null;
  /** Due day changes made in that cycle */
  dueDayChangesInCycle: number;
}

/** The program types; only credit programs have due days, a credit limit and a billing cycle. */
export const programTypes = ['CREDIT', 'DEBIT', 'PREPAID'] as const;

/** The terms only credit programs carry. */
const creditOnly = ['dueDays', 'defaultCreditLimit', 'dueDayChangeLimit'] as const;

/** What a new program's terms break: a credit program without its due days or credit limit, or another with credit terms. */
export function programTermsRefusals(program: {
  type: (typeof programTypes)[number];
  dueDays?: number[];
  defaultCreditLimit?: number;
  dueDayChangeLimit?: number;
}): FieldIssue[] {
  if (program.type === 'CREDIT') {
    return (['dueDays', 'defaultCreditLimit'] as const)
      .filter((field) => program[field] === undefined)
      .map((field) => ({ field, rule: 'required', message: 'is required for a credit program' }));
  }
  return creditOnly
    .filter((field) => program[field] !== undefined)
    .map((field) => ({ field, rule: 'credit_only', message: 'is only for credit programs' }));
}

/**
 * A new account's due day: the one asked for, if its program offers it, else the program's
 * first; none outside credit programs, where asking for one is refused.
 */
export function newAccountDueDay(
  program: { type: string; dueDays: number[] },
  asked: number | undefined,
): { dueDay: number | null } | { refusal: FieldIssue } {
  const dueDay = program.type === 'CREDIT' ? (asked ?? program.dueDays[0] ?? null) : null;
  if (asked !== undefined && (dueDay === null || !program.dueDays.includes(dueDay))) {
    return {
      refusal: {
        field: 'dueDay',
        rule: 'not_offered',
        message: `must be one of the program's due days (${program.dueDays.join(', ') || 'none: not a credit program'})`,
      },
    };
  }
  return { dueDay };
}

const compared = [
  ['type', 'type', 'type'],
  ['currency', 'currency', 'currency'],
  ['cardNetwork', 'network', 'card network'],
] as const;

/** Why the account may not move to the `target` program, or undefined when it may. */
export function migrationRefusal(
  account: AccountTerms,
  target: ProgramTerms,
): DomainFailure | undefined {
  const field = 'targetProgramId';
  if (!can(account.status, 'mayMigrate')) {
    return new DomainFailure(
      'OPERATION_NOT_ALLOWED',
      `a ${account.status} account cannot move to another program`,
      {
        currentStatus: account.status,
      },
    );
  }
  const mismatches: FieldIssue[] = compared
    .filter(([key]) => target[key] !== account[key])
    .map(([key, rule, name]) => ({
      field,
      rule: `${rule}_mismatch`,
      message: `must have the same ${name} as the account's program (${account[key]}, not ${target[key]})`,
    }));
  if (mismatches.length > 0) return DomainFailure.invalid(mismatches);
  if (
    account.type === 'CREDIT' &&
    (account.dueDay === null || !target.dueDays.includes(account.dueDay))
  ) {
    return new DomainFailure(
      'CONFLICT',
      `the target program does not offer due day ${account.dueDay}; change the account's due day to one of ${target.dueDays.join(', ')} first`,
      {
        dueDayOptions: target.dueDays,
        errors: [
          {
            field,
            rule: 'due_day_not_offered',
            message: `does not offer the account's due day ${account.dueDay}`,
          },
        ],
      },
    );
  }
  return undefined;
}

/** A due day change as decided for `today` (in the org's time zone): its cycle bookkeeping. */
export interface DueDayChange {
  /** Closing date of the cycle the new due day is in */
  cycleClosesOn: string;
  /** Changes made in this cycle, this one included */
  changesInCycle: number;
}

/** The change of the account's due day to `dueDay` on `today`, or why it is refused. */
export function dueDayChange(
  account: AccountTerms,
  dueDay: number,
  today: string,
): DueDayChange | DomainFailure {
  const refuse = (rule: string, message: string, details: Record<string, unknown> = {}) =>
    new DomainFailure('VALIDATION', `dueDay: ${message}`, {
      errors: [{ field: 'dueDay', rule, message }],
      ...details,
    });
  if (account.type !== 'CREDIT' || account.dueDay === null)
    return refuse('credit_only', 'only credit accounts have a due day');
  if (!account.dueDays.includes(dueDay)) {
    return refuse(
      'not_offered',
      `must be one of the program's due days: ${account.dueDays.join(', ')}`,
      {
        dueDayOptions: account.dueDays,
      },
    );
  }
  if (dueDay <= account.dueDay)
    return refuse('not_later', `must be later than the current due day ${account.dueDay}`);
  const lastDay = lastChangeDate(account.dueDay, today);
  if (today > lastDay) {
    return new DomainFailure(
      'CONFLICT',
      `the due day can change until ${CHANGE_CUTOFF_DAYS} days before the credit cycle closes (${cycleClosingDate(account.dueDay, today)}); try again in the next cycle`,
      {
        errors: [
          {
            field: 'dueDay',
            rule: 'too_close_to_cycle_closing',
            message: `cannot change after ${lastDay} in this cycle`,
          },
        ],
      },
    );
  }
  const closesOn = account.dueDayCycleClosesOn;
  const changesInCycle = closesOn !== null && closesOn >= today ? account.dueDayChangesInCycle : 0;
  if (changesInCycle >= account.dueDayChangeLimit) {
    return new DomainFailure(
      'CONFLICT',
      `the due day already changed ${changesInCycle} time(s) in this credit cycle, as often as the program allows; try again after ${closesOn}`,
      {
        errors: [
          {
            field: 'dueDay',
            rule: 'change_limit_per_cycle',
            message: `may change ${account.dueDayChangeLimit} time(s) per credit cycle`,
          },
        ],
      },
    );
  }
  return { cycleClosesOn: cycleClosingDate(dueDay, today), changesInCycle: changesInCycle + 1 };
}

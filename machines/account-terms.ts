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
//
// A program's own terms change too (seed: "you can change the due date in the account or in
// either the source or target programs"), but never under its accounts' feet: its type,
// currency and card network are what it is and never change; a due day may stop being offered
// only once no account is on it any more (the issuer moves those accounts first, with their own
// due date change), and the maximum credit limit may go down only to the highest credit limit
// an account of the program has. So every account always keeps a due day its program offers and
// a credit limit within its program's maximum; a program change never rewrites an account.

interface ProgramTerms {
  type: string;
  currency: string;
  cardNetwork: string;
  dueDays: number[];
}

/** What a migration target adds to its terms: the highest credit limit its accounts may have. */
interface TargetProgramTerms extends ProgramTerms {
  maxCreditLimit: bigint | null;
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
const creditOnly = [
  'dueDays',
  'defaultCreditLimit',
  'maxCreditLimit',
  'dueDayChangeLimit',
] as const;

/** What a new program's terms break: a credit program without its due days or credit limit, or another with credit terms. */
export function programTermsRefusals(program: {
  type: (typeof programTypes)[number];
  dueDays?: number[];
  defaultCreditLimit?: number;
  maxCreditLimit?: number;
  dueDayChangeLimit?: number;
}): FieldIssue[] {
  if (program.type === 'CREDIT') {
    const missing: FieldIssue[] = (['dueDays', 'defaultCreditLimit'] as const)
      .filter((field) => program[field] === undefined)
      .map((field) => ({ field, rule: 'required', message: 'is required for a credit program' }));
    const { defaultCreditLimit, maxCreditLimit } = program;
    if (
      defaultCreditLimit !== undefined &&
      maxCreditLimit !== undefined &&
      maxCreditLimit < defaultCreditLimit
    ) {
      missing.push(belowDefault(defaultCreditLimit));
    }
    return missing;
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
  account: AccountTerms & { creditLimit: bigint },
  target: TargetProgramTerms,
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
  if (target.maxCreditLimit !== null && account.creditLimit > target.maxCreditLimit) {
    return new DomainFailure(
      'CONFLICT',
      `the account's credit limit ${account.creditLimit} is above the target program's maximum ${target.maxCreditLimit}`,
      {
        maxCreditLimit: Number(target.maxCreditLimit),
        errors: [
          {
            field,
            rule: 'credit_limit_above_maximum',
            message: `allows credit limits up to ${target.maxCreditLimit}, below the account's ${account.creditLimit}`,
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

// ---- Changes to a program's own terms ------------------------------------------------------

/** What of a program may change. */
export interface ProgramSettings {
  name: string;
  /** Sorted, no day twice */
  dueDays: number[];
  dueDayChangeLimit: number;
  defaultCreditLimit: bigint;
  /** null: no maximum of the program's own */
  maxCreditLimit: bigint | null;
}

/** What a program is: a request that names one of these to change it is refused (`immutable`). */
export const programIdentityFields = ['type', 'currency', 'cardNetwork'] as const;

const settingFields = [
  'name',
  'dueDays',
  'dueDayChangeLimit',
  'defaultCreditLimit',
  'maxCreditLimit',
] as const satisfies readonly (keyof ProgramSettings)[];

type SettingField = (typeof settingFields)[number];

/** A change as decided on the program's current terms, before its accounts are consulted. */
export interface ProgramEdit {
  /** Only the fields that change, as they were */
  before: Partial<ProgramSettings>;
  /** The same fields as they become */
  after: Partial<ProgramSettings>;
  /** Due days the program stops offering: no account may be on them */
  removedDueDays: number[];
  /** A maximum credit limit lower than before (or new): no account may be above it */
  loweredMaxCreditLimit: bigint | null;
}

function belowDefault(defaultCreditLimit: number | bigint): FieldIssue {
  return {
    field: 'maxCreditLimit',
    rule: 'below_default_credit_limit',
    message: `must not be below the default credit limit ${defaultCreditLimit}`,
  };
}

const sameValue = (a: unknown, b: unknown) =>
  Array.isArray(a) && Array.isArray(b)
    ? a.length === b.length && a.every((value, i) => value === b[i])
    : a === b;

/**
 * The change `patch` makes to `program`, or why it is refused as input (credit terms on a
 * program that is not credit, a default credit limit above the maximum). Fields given with the
 * value they already have are no change. The accounts are consulted after (`programEditConflict`).
 */
export function programEdit(
  program: ProgramSettings & { type: string },
  patch: Partial<ProgramSettings>,
): ProgramEdit | DomainFailure {
  const issues: FieldIssue[] = [];
  if (program.type !== 'CREDIT') {
    for (const field of creditOnly) {
      if (patch[field] !== undefined) {
        issues.push({ field, rule: 'credit_only', message: 'is only for credit programs' });
      }
    }
    if (issues.length > 0) return DomainFailure.invalid(issues);
  }
  const next: ProgramSettings = { ...program };
  for (const field of settingFields) {
    const value = patch[field];
    if (value !== undefined) Object.assign(next, { [field]: value });
  }
  next.dueDays = [...new Set(next.dueDays)].sort((a, b) => a - b);
  if (next.maxCreditLimit !== null && next.maxCreditLimit < next.defaultCreditLimit) {
    return DomainFailure.invalid([
      patch.maxCreditLimit === undefined
        ? {
            field: 'defaultCreditLimit',
            rule: 'above_max_credit_limit',
            message: `must not be above the program's maximum credit limit ${next.maxCreditLimit}`,
          }
        : belowDefault(next.defaultCreditLimit),
    ]);
  }
  const changed = settingFields.filter((field) => !sameValue(program[field], next[field]));
  const pick = (from: ProgramSettings) =>
    Object.fromEntries(
      changed.map((field: SettingField) => [field, from[field]]),
    ) as Partial<ProgramSettings>;
  const lowered =
    next.maxCreditLimit !== null &&
    (program.maxCreditLimit === null || next.maxCreditLimit < program.maxCreditLimit);
  return {
    before: pick(program),
    after: pick(next),
    removedDueDays: program.dueDays.filter((day) => !next.dueDays.includes(day)),
    loweredMaxCreditLimit: lowered ? next.maxCreditLimit : null,
  };
}

/** The program's accounts the change would leave outside its terms. */
export interface ProgramTermsUsage {
  /** Accounts on each due day the change removes (days no account is on left out) */
  accountsOnRemovedDueDays: { dueDay: number; accounts: number }[];
  /** Accounts whose credit limit is above the lowered maximum, and the highest of them */
  accountsAboveMaxCreditLimit: { accounts: number; highestCreditLimit: bigint | null };
}

/**
 * Why the change may not happen while accounts use what it takes away: a due day still some
 * account's (`due_day_in_use`; move those accounts' due day first), a maximum credit limit below
 * some account's (`credit_limit_in_use`). Undefined when it may.
 */
export function programEditConflict(
  edit: ProgramEdit,
  usage: ProgramTermsUsage,
): DomainFailure | undefined {
  const errors: FieldIssue[] = [];
  const details: Record<string, unknown> = {};
  const onDays = usage.accountsOnRemovedDueDays.filter((day) => day.accounts > 0);
  if (onDays.length > 0) {
    details.dueDaysInUse = onDays;
    errors.push({
      field: 'dueDays',
      rule: 'due_day_in_use',
      message: `must keep ${onDays.map((d) => `day ${d.dueDay} (${d.accounts} account(s))`).join(', ')} until those accounts move to another due day`,
    });
  }
  const above = usage.accountsAboveMaxCreditLimit;
  if (edit.loweredMaxCreditLimit !== null && above.accounts > 0) {
    const highest = above.highestCreditLimit ?? 0n;
    details.creditLimitsAboveMaximum = {
      accounts: above.accounts,
      highestCreditLimit: Number(highest),
    };
    errors.push({
      field: 'maxCreditLimit',
      rule: 'credit_limit_in_use',
      message: `must not be below the credit limit of ${above.accounts} account(s) of the program (the highest is ${highest})`,
    });
  }
  if (errors.length === 0) return undefined;
  return new DomainFailure(
    'CONFLICT',
    `the program's accounts still use what this change takes away: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
    { ...details, errors },
  );
}

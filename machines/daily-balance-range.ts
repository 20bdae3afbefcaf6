import { DomainFailure, type FieldIssue } from '../common/failures.js';
import { addDays, daysBetween } from '../common/plain-dates.js';

// The daily balances (seed: "Get daily account balance limits"): each account's balance and
// limits are recorded once a day at 23:59 in the org's time zone. A query's latest day is
// yesterday (today is not over), its earliest 515 days back, it spans at most 90 days, and
// without dates it covers the 10 days before yesterday.

/** When each day's balances are recorded, local time in the org's time zone */
export const DAILY_SNAPSHOT_TIME = { hour: 23, minute: 59 } as const;

const DEFAULT_RANGE_DAYS = 10;
/** How far back a query may reach; the daily balances' retention keeps at least this */
export const MAX_DAYS_BACK = 515;
const MAX_RANGE_DAYS = 90;

export function resolveRange(
  query: { start_date?: string; end_date?: string },
  today: string,
): { start: string; end: string } {
  const yesterday = addDays(today, -1);
  const end =
    query.end_date ??
    (query.start_date ? min(addDays(query.start_date, DEFAULT_RANGE_DAYS), yesterday) : yesterday);
  const start = query.start_date ?? addDays(end, -DEFAULT_RANGE_DAYS);
  const errors: FieldIssue[] = [];
  const earliest = addDays(today, -MAX_DAYS_BACK);
  for (const [field, value] of [
    ['start_date', query.start_date],
    ['end_date', query.end_date],
  ] as const) {
    if (value === undefined) continue;
    if (value >= today)
      errors.push({
        field,
        rule: 'not_before_today',
        message: `must be before today (${today}); today is not over yet`,
      });
    else if (value < earliest)
      errors.push({
        field,
        rule: 'too_old',
        message: `must be at most ${MAX_DAYS_BACK} days back (${earliest} or later)`,
      });
  }
  if (errors.length === 0 && end < start) {
    errors.push({
      field: 'end_date',
      rule: 'before_start_date',
      message: `must not be before start_date (${start})`,
    });
  }
  if (errors.length === 0 && daysBetween(start, end) + 1 > MAX_RANGE_DAYS) {
    errors.push({
      field: 'end_date',
      rule: 'range_too_long',
      message: `must be at most ${MAX_RANGE_DAYS} days from start_date (${addDays(start, MAX_RANGE_DAYS - 1)} or earlier)`,
    });
  }
  if (errors.length > 0) throw DomainFailure.invalid(errors);
  return { start, end };
}

function min(a: string, b: string): string {
  return a < b ? a : b;
}

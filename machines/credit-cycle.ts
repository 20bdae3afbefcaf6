import { addDays } from '../common/plain-dates.js';

// A credit account's cycle closes CYCLE_CLOSES_DAYS_BEFORE_DUE days before its due date; the bill
// of the cycle is then due on the due day. A due day change is allowed until
// CHANGE_CUTOFF_DAYS before the current cycle closes.

const CYCLE_CLOSES_DAYS_BEFORE_DUE = 10;
export const CHANGE_CUTOFF_DAYS = 2;

/** The closing date of the cycle `today` belongs to, for an account due on `dueDay` (1-28). */
export function cycleClosingDate(dueDay: number, today: string): string {
  const [year, month] = today.split('-').map(Number) as [number, number];
  const day = String(dueDay).padStart(2, '0');
  // A cycle closes before its due date, possibly in the month before: this month's due date and
  // the next two months' cover every cycle today can be in.
  return [0, 1, 2]
    .map((offset) => {
      const first = new Date(Date.UTC(year, month - 1 + offset, 1)).toISOString().slice(0, 8);
      return addDays(`${first}${day}`, -CYCLE_CLOSES_DAYS_BEFORE_DUE);
    })
    .find((closing) => closing >= today)!;
}

/** The last day a due day change is accepted in the cycle `today` belongs to. */
export function lastChangeDate(dueDay: number, today: string): string {
  return addDays(cycleClosingDate(dueDay, today), -CHANGE_CUTOFF_DAYS);
}

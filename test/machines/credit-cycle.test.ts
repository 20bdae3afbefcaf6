import { describe, expect, it } from 'vitest';
import { cycleClosingDate, lastChangeDate } from '../../machines/credit-cycle.js';
import { resolveRange } from '../../machines/daily-balance-range.js';

describe('credit cycle', () => {
  it('closes ten days before the due date, in the month before when the due day is early', () => {
    expect(cycleClosingDate(20, '2026-03-05')).toBe('2026-03-10');
    expect(cycleClosingDate(20, '2026-03-10')).toBe('2026-03-10');
    expect(cycleClosingDate(20, '2026-03-11')).toBe('2026-04-10');
    expect(cycleClosingDate(5, '2026-03-01')).toBe('2026-03-26');
    expect(cycleClosingDate(1, '2026-03-25')).toBe('2026-04-21');
  });

  it('takes due day changes until two days before the closing', () => {
    expect(lastChangeDate(20, '2026-03-05')).toBe('2026-03-08');
    expect(lastChangeDate(20, '2026-03-09')).toBe('2026-03-08');
  });
});

describe('daily balance query range', () => {
  it('defaults to the 10 days before yesterday up to yesterday, or 10 days from a given start', () => {
    expect(resolveRange({}, '2026-03-20')).toEqual({ start: '2026-03-09', end: '2026-03-19' });
    expect(resolveRange({ end_date: '2026-03-01' }, '2026-03-20')).toEqual({
      start: '2026-02-19',
      end: '2026-03-01',
    });
    expect(resolveRange({ start_date: '2026-01-01' }, '2026-03-20')).toEqual({
      start: '2026-01-01',
      end: '2026-01-11',
    });
    expect(resolveRange({ start_date: '2026-03-15' }, '2026-03-20')).toEqual({
      start: '2026-03-15',
      end: '2026-03-19',
    });
  });
});

import { isPlainDate } from '../../common/plain-dates.js';
import { z } from '../zod.js';

/** A calendar date as YYYY-MM-DD, refused with rule invalid_date when it is not a real one. */
export const plainDate = z
  .string()
  .refine(isPlainDate, {
    message: 'must be a date as YYYY-MM-DD, e.g. 2026-03-08',
    params: { rule: 'invalid_date' },
  })
  .openapi({ example: '2026-03-08', format: 'date' });

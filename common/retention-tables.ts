// Shared by the retention service and its workflow; free of Node and database imports because the
// workflow bundle includes it.

/** The tables cleaned row by row, in this order: deliveries before the events they reference. */
export const RETENTION_TABLES = [
  'WebhookDelivery',
  'Event',
  'Notification',
  'IdempotencyRecord',
  'EndedSession',
] as const;
export type RetentionTable = (typeof RETENTION_TABLES)[number];

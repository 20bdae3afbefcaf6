import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';

// What the product told people (reminders, escalations), one row per business event. The
// built-in notifier records it in PostgreSQL, where operators and tests read it; a mail or chat
// provider would deliver it as well, keyed by the same dedupe key.

export interface NotificationToSend {
  orgId: string;
  kind: string;
  /** One notification per business event: a retried send finds it sent */
  dedupeKey: string;
  subject: string;
  body: string;
}

export function createNotifications({ prisma }: { prisma: PrismaClient }) {
  return {
    async send(notification: NotificationToSend): Promise<void> {
      await prisma.notification.createMany({
        data: [{ id: randomUUID(), ...notification }],
        skipDuplicates: true,
      });
    },
  };
}

import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../runtime/prisma.js';

export interface NotificationActivityDeps {
  prisma: PrismaClient;
}

export interface NotificationToSend {
  orgId: string;
  kind: string;
  /** One notification per business event: a retried send finds it sent */
  dedupeKey: string;
  subject: string;
  body: string;
}

// The built-in notifier records what it sends in PostgreSQL, where operators and tests can read
// it; a mail or chat provider would deliver it as well, keyed by the same dedupe key.
export function createNotificationActivities({ prisma }: NotificationActivityDeps) {
  return {
    async sendNotification(notification: NotificationToSend): Promise<void> {
      await prisma.notification.createMany({
        data: [{ id: randomUUID(), ...notification }],
        skipDuplicates: true,
      });
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;

import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';
import { recordEvent, type NewEvent } from './events.js';

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
  /** What integrators are told of the same business event, recorded with the notification */
  event?: NewEvent;
}

export function createNotifications({ prisma }: { prisma: PrismaClient }) {
  return {
    /** Sends it once (and records its event once, in the same transaction). */
    async send({ event, ...notification }: NotificationToSend): Promise<void> {
      await prisma.$transaction(async (tx) => {
        await tx.notification.createMany({
          data: [{ id: randomUUID(), ...notification }],
          skipDuplicates: true,
        });
        if (event) await recordEvent(tx, event);
      });
    },
  };
}

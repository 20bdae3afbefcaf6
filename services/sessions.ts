import type { PrismaClient } from '../generated/prisma/client.js';

// Console sessions are signed cookies the server keeps no row for while they live; signing out
// records the session's id here, so its cookie is refused from then on even if someone kept a
// copy, until it would have expired anyway. Rows past that are removed as new ones come.

export function createEndedSessions({ prisma }: { prisma: PrismaClient }) {
  return {
    /** Ends the session `id`, which would otherwise work until `expiresAt`; ending it again changes nothing. */
    async end(id: string, expiresAt: Date): Promise<void> {
      await prisma.endedSession.createMany({ data: [{ id, expiresAt }], skipDuplicates: true });
      await prisma.endedSession.deleteMany({ where: { expiresAt: { lt: new Date() } } });
    },

    async isEnded(id: string): Promise<boolean> {
      return (await prisma.endedSession.count({ where: { id } })) > 0;
    },
  };
}

export type EndedSessions = ReturnType<typeof createEndedSessions>;

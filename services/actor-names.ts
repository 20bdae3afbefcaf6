import type { PrismaClient } from '../generated/prisma/client.js';

// Who did something, as a person reads it: audit rows and process steps record the actor as
// "operator", "system" or `api-key:<id>`; a key is shown by its name and environment.

const API_KEY_ACTOR = /^api-key:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function createActorNames({ prisma }: { prisma: PrismaClient }) {
  return {
    /** Who is signed in with a key, as the pages' header says it: the key's name and its org's. */
    async signedIn(apiKeyId: string): Promise<string | undefined> {
      const key = await prisma.apiKey.findUnique({
        where: { id: apiKeyId },
        select: {
          name: true,
          environment: { select: { kind: true, org: { select: { legalName: true } } } },
        },
      });
      return key
        ? `${key.name} (${key.environment.kind.toLowerCase()} key), ${key.environment.org.legalName}`
        : undefined;
    },

    /**
     * Each actor's display name: the org's own keys by name ("Initial test key (test key)"),
     * "operator" and "system" as such; a key of another org, or one not found, by its id.
     */
    async name(orgId: string, actors: Iterable<string>): Promise<Map<string, string>> {
      const unique = [...new Set(actors)];
      const keyIds = unique.flatMap((actor) => API_KEY_ACTOR.exec(actor)?.[1] ?? []);
      const keys =
        keyIds.length === 0
          ? []
          : await prisma.apiKey.findMany({
              where: { orgId, id: { in: keyIds } },
              select: { id: true, name: true, environment: { select: { kind: true } } },
            });
      const byId = new Map(
        keys.map((key) => [key.id, `${key.name} (${key.environment.kind.toLowerCase()} key)`]),
      );
      return new Map(
        unique.map((actor) => {
          const keyId = API_KEY_ACTOR.exec(actor)?.[1];
          return [actor, (keyId && byId.get(keyId.toLowerCase())) ?? actor];
        }),
      );
    },
  };
}

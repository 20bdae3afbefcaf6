import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { PrismaClient, WebhookEndpoint } from '../generated/prisma/client.js';
import { DomainFailure } from '../common/failures.js';
import { createOnce } from './create-once.js';
import { logFence } from './events.js';
import type { IdSource } from './ids.js';
import { keysetAfter, keysetOrder, readPage, type PageRequest } from './pages.js';
import { isPublicAddress } from './public-addresses.js';
import type { Sealer } from './sealing.js';
import type { Tenant } from './tenant.js';

// Where an org environment's events are delivered. Each endpoint has a signing secret (Standard
// Webhooks' whsec_ form), shown to the issuer when made and kept sealed under the server secret
// (the worker signs with it). Deleting an endpoint keeps its row and deliveries (they stay
// readable to the audit) and only hides it; its delivery process ends.

export interface NewEndpoint {
  url: string;
  description: string | null;
  eventTypes: string[];
}

export interface EndpointChange {
  url?: string;
  description?: string | null;
  eventTypes?: string[];
  enabled?: boolean;
}

/** An endpoint and, where it was just made or rotated, its secret in clear. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

/** A Standard Webhooks secret: "whsec_" and 32 random (or derived) bytes in base64. */
function newSecret(bytes: Buffer): string {
  return `whsec_${bytes.toString('base64')}`;
}

const notFound = () => DomainFailure.notFound('webhook endpoint');

type ReceiverRules = { allowHttp: boolean; allowPrivateAddresses: boolean };

/**
 * Refuses a plain http:// URL where only https:// is allowed, and a receiver named by a
 * non-public address where only public ones are. A host name is checked again on the address it
 * resolves to when each delivery connects (activities/webhook-transport.ts).
 */
function checkReceiverUrl(url: string | undefined, rules: ReceiverRules): void {
  if (url === undefined) return;
  const refusals = [];
  if (!rules.allowHttp && !url.toLowerCase().startsWith('https://')) {
    refusals.push({
      field: 'url',
      rule: 'https_required',
      message: 'must be an https:// URL (plain http:// is refused here: WEBHOOK_ALLOW_HTTP)',
    });
  }
  const host = new URL(url).hostname;
  if (!rules.allowPrivateAddresses && !isPublicHost(host)) {
    refusals.push({
      field: 'url',
      rule: 'public_address_required',
      message: `must reach a public address: ${host} is loopback, private or otherwise internal (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)`,
    });
  }
  if (refusals.length > 0) throw DomainFailure.invalid(refusals);
}

/** A host name other than localhost, or a public address (services/public-addresses.ts). */
function isPublicHost(host: string): boolean {
  const literal = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isIP(literal) !== 0) return isPublicAddress(literal);
  const name = host.toLowerCase().replace(/\.$/, '');
  return name !== 'localhost' && !name.endsWith('.localhost');
}

export function createWebhookEndpoints(deps: {
  prisma: PrismaClient;
  sealer: Sealer;
  /** How long a rotated secret still signs beside the new one */
  secretRotationGraceMs: number;
  /** Whether endpoints may be plain http:// URLs, and on non-public addresses */
  receivers: ReceiverRules;
}) {
  const { prisma, sealer } = deps;

  async function find(tenant: Tenant, endpointId: string): Promise<WebhookEndpoint> {
    const endpoint = await prisma.webhookEndpoint.findFirst({
      where: { id: endpointId, ...tenant, deletedAt: null },
    });
    if (!endpoint) throw notFound();
    return endpoint;
  }

  /**
   * Applies `change` if the endpoint is still at `expectedVersion` (any version without one);
   * 412 with the current version otherwise.
   */
  async function update(
    tenant: Tenant,
    endpointId: string,
    expectedVersion: number | undefined,
    data: (
      current: WebhookEndpoint,
    ) => Parameters<PrismaClient['webhookEndpoint']['update']>[0]['data'],
  ): Promise<WebhookEndpoint> {
    const current = await find(tenant, endpointId);
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw new DomainFailure(
        'PRECONDITION_FAILED',
        `the webhook endpoint changed since version ${expectedVersion}; it is now at version ${current.version}`,
        { currentVersion: current.version },
      );
    }
    const { count } = await prisma.webhookEndpoint.updateMany({
      where: { id: endpointId, version: current.version, deletedAt: null },
      data: { ...data(current), version: { increment: 1 }, updatedAt: new Date() },
    });
    // Another change landed between the read and the write: as stale as a wrong If-Match
    if (count === 0) return update(tenant, endpointId, expectedVersion, data);
    return prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpointId } });
  }

  return {
    /**
     * A new endpoint that receives the events written from now on. Its ids and secret come from
     * `ids`, so a retried request finds the endpoint its first run made, with the same secret.
     */
    async create(tenant: Tenant, input: NewEndpoint, ids: IdSource): Promise<EndpointWithSecret> {
      checkReceiverUrl(input.url, deps.receivers);
      const id = ids.uuid('webhook-endpoint');
      const secret = newSecret(Buffer.from(ids.secret('webhook-signing-secret'), 'hex'));
      const endpoint = await createOnce(
        () => prisma.webhookEndpoint.findFirst({ where: { id, ...tenant } }),
        async () => {
          // The events of transactions that had committed when it was made are not its own:
          // those this snapshot sees, and those below the fence (settled by the end of the same
          // statement). The cursor starts at the fence; the planner skips what the snapshot sees.
          // Both are kept on the row, so a retried create finds the same starting point.
          const start = await logFence(prisma);
          return prisma.webhookEndpoint.create({
            data: {
              id,
              ...tenant,
              url: input.url,
              description: input.description,
              eventTypes: input.eventTypes,
              secret: sealer.seal(secret),
              creationSnapshot: start.snapshot,
              cursorTransactionId: start.below - 1n,
              cursorSequence: 9_223_372_036_854_775_807n,
            },
          });
        },
      );
      return { endpoint, secret };
    },

    get: find,

    /** Every endpoint not deleted, of every org: those whose delivery process should be running */
    live(): Promise<{ id: string; orgId: string; environmentId: string }[]> {
      return prisma.webhookEndpoint.findMany({
        where: { deletedAt: null },
        select: { id: true, orgId: true, environmentId: true },
        orderBy: { id: 'asc' },
      });
    },

    list(tenant: Tenant, page: PageRequest) {
      return readPage(page, (take) =>
        prisma.webhookEndpoint.findMany({
          where: { ...tenant, deletedAt: null, ...keysetAfter(page.after) },
          orderBy: keysetOrder,
          take,
        }),
      );
    },

    /** Changes what was given; enabling clears why it was disabled, so delivery starts again. */
    change(tenant: Tenant, endpointId: string, change: EndpointChange, expectedVersion?: number) {
      checkReceiverUrl(change.url, deps.receivers);
      return update(tenant, endpointId, expectedVersion, (current) => ({
        ...(change.url === undefined ? {} : { url: change.url }),
        ...(change.description === undefined ? {} : { description: change.description }),
        ...(change.eventTypes === undefined ? {} : { eventTypes: change.eventTypes }),
        ...(change.enabled === undefined || change.enabled === current.enabled
          ? {}
          : change.enabled
            ? { enabled: true, disabledReason: null, disabledAt: null, failingSince: null }
            : { enabled: false, disabledReason: 'issuer', disabledAt: new Date() }),
      }));
    },

    /** A new secret; the old one keeps signing beside it for the grace period. */
    async rotateSecret(
      tenant: Tenant,
      endpointId: string,
      expectedVersion?: number,
    ): Promise<EndpointWithSecret> {
      const secret = newSecret(randomBytes(32));
      const endpoint = await update(tenant, endpointId, expectedVersion, (current) => ({
        secret: sealer.seal(secret),
        previousSecret: current.secret,
        previousSecretExpiresAt: new Date(Date.now() + deps.secretRotationGraceMs),
      }));
      return { endpoint, secret };
    },

    async delete(tenant: Tenant, endpointId: string, expectedVersion?: number): Promise<void> {
      await update(tenant, endpointId, expectedVersion, () => ({ deletedAt: new Date() }));
    },
  };
}

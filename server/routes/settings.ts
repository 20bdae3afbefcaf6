import { accountStatuses } from '../../machines/account-status.js';
import type { PrismaClient } from '../../runtime/prisma.js';
import type { Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { patchBody, z } from '../zod.js';

const settingsSchema = z
  .object({
    statusReasonRequiredFor: z.array(z.enum(accountStatuses)).openapi({
      description: 'Target statuses for which an account status change must carry a reason',
    }),
  })
  .openapi('EnvironmentSettings');

export function registerSettingsRoutes(api: Api, { prisma }: { prisma: PrismaClient }): void {
  api.route({
    method: 'get',
    path: '/v1/settings',
    summary: "The org's settings in this environment",
    tag: 'Settings',
    access: 'org',
    responses: { 200: { description: 'Settings', schema: settingsSchema } },
    handler: async ({ caller }) => {
      const environment = await prisma.environment.findUniqueOrThrow({
        where: { id: tenantOf(caller).environmentId },
      });
      return {
        status: 200,
        body: { statusReasonRequiredFor: environment.statusReasonRequiredFor },
      };
    },
  });

  api.route({
    method: 'patch',
    path: '/v1/settings',
    summary: "Change the org's settings in this environment",
    tag: 'Settings',
    access: 'org',
    body: patchBody({
      statusReasonRequiredFor: z
        .array(z.enum(accountStatuses))
        .max(accountStatuses.length)
        .optional(),
    }).openapi('UpdateEnvironmentSettings'),
    responses: { 200: { description: 'Settings after the change', schema: settingsSchema } },
    handler: async ({ body, caller }) => {
      const environment = await prisma.environment.update({
        where: { id: tenantOf(caller).environmentId },
        data: body.statusReasonRequiredFor
          ? { statusReasonRequiredFor: [...new Set(body.statusReasonRequiredFor)] }
          : {},
      });
      return {
        status: 200,
        body: { statusReasonRequiredFor: environment.statusReasonRequiredFor },
      };
    },
  });
}

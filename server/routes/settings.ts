import { accountStatuses } from '../../machines/account-status.js';
import type { Settings } from '../../services/settings.js';
import type { Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { patchBody, z } from '../zod.js';
import { examples } from '../openapi-examples.js';

const settingsSchema = z
  .object({
    statusReasonRequiredFor: z.array(z.enum(accountStatuses)).openapi({
      description: 'Target statuses for which an account status change must carry a reason',
    }),
  })
  .openapi('EnvironmentSettings', { example: examples.EnvironmentSettings });

export function registerSettingsRoutes(api: Api, settings: Settings): void {
  api.route({
    method: 'get',
    path: '/v1/settings',
    operationId: 'getSettings',
    summary: "The org's settings in this environment",
    tag: 'Settings',
    access: 'org',
    responses: { 200: { description: 'Settings', schema: settingsSchema } },
    handler: async ({ caller }) => ({ status: 200, body: await settings.get(tenantOf(caller)) }),
  });

  api.route({
    method: 'patch',
    path: '/v1/settings',
    operationId: 'updateSettings',
    summary: "Change the org's settings in this environment",
    tag: 'Settings',
    access: 'org',
    body: patchBody({
      statusReasonRequiredFor: z
        .array(z.enum(accountStatuses))
        .max(accountStatuses.length)
        .optional(),
    }).openapi('UpdateEnvironmentSettings', { example: examples.UpdateEnvironmentSettings }),
    responses: { 200: { description: 'Settings after the change', schema: settingsSchema } },
    handler: async ({ body, caller }) => ({
      status: 200,
      body: await settings.update(tenantOf(caller), body),
    }),
  });
}

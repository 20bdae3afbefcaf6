import type { Environment, Org } from '../../generated/prisma/client.js';
import { orgOnboardingHumanEventTypes } from '../../machines/org-onboarding.js';
import type { OrgService } from '../../services/org-service.js';
import { problemSchema, type Api } from '../api.js';
import type { Caller } from '../auth.js';
import { Problem } from '../problem.js';
import { z } from '../zod.js';

const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(isIanaTimeZone, {
    message: 'must be an IANA time zone name such as America/Sao_Paulo',
    params: { rule: 'invalid_time_zone' },
  })
  .openapi({ example: 'America/Sao_Paulo', description: 'IANA time zone name' });

const address = z
  .strictObject({
    line1: z.string().trim().min(1).max(200),
    line2: z.string().trim().min(1).max(200).optional(),
    city: z.string().trim().min(1).max(100),
    region: z.string().trim().min(1).max(100).optional(),
    postalCode: z.string().trim().min(1).max(20),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as BR')
      .openapi({ example: 'BR' }),
  })
  .openapi('Address');

const createOrgBody = z
  .strictObject({
    legalName: z.string().trim().min(1).max(200).openapi({ example: 'Acme Pagamentos S.A.' }),
    address,
    timeZone,
  })
  .openapi('CreateOrg');

const environmentSchema = z
  .object({ id: z.uuid(), kind: z.enum(['TEST', 'PRODUCTION']), status: z.enum(['PROVISIONING', 'READY']) })
  .openapi('Environment');

const orgSchema = z
  .object({
    id: z.uuid().openapi({ description: 'The Org ID (tenant ID)' }),
    legalName: z.string(),
    address,
    timeZone: z.string(),
    status: z.enum(['ONBOARDING', 'ACTIVE']),
    createdAt: z.iso.datetime(),
    environments: z.array(environmentSchema),
  })
  .openapi('Org');

const workflowLinkSchema = z
  .object({ workflowId: z.string(), runId: z.string().optional(), uiUrl: z.url().optional(), page: z.string() })
  .openapi('WorkflowLink');

const onboardingSchema = z
  .object({
    stage: z.string(),
    done: z.boolean(),
    allowedEvents: z.array(z.string()),
    waitingFor: z.string(),
    history: z.array(
      z.object({
        event: z.string(),
        from: z.string(),
        to: z.string(),
        at: z.iso.datetime(),
        by: z.string(),
        notes: z.string().optional(),
      }),
    ),
    workflow: workflowLinkSchema,
  })
  .openapi('Onboarding');

const orgIdParams = z.strictObject({ orgId: z.uuid({ message: 'must be a UUID' }) });

const onboardingEventBody = z
  .strictObject({
    type: z.enum(orgOnboardingHumanEventTypes),
    notes: z.string().trim().min(1).max(1000).optional(),
  })
  .openapi('OnboardingEvent');

export function registerOrgRoutes(api: Api, orgs: OrgService): void {
  api.route({
    method: 'post',
    path: '/v1/orgs',
    summary: 'Create an org with its test environment and test API key, and start its onboarding',
    tag: 'Orgs',
    access: 'operator',
    body: createOrgBody,
    idempotent: true,
    responses: {
      201: {
        description: 'The org, its test API key (shown only here) and its onboarding workflow',
        schema: z.object({
          org: orgSchema,
          apiKey: z.object({
            id: z.uuid(),
            environmentId: z.uuid(),
            environmentKind: z.literal('TEST'),
            token: z.string().openapi({ description: 'The secret key; it is not shown again' }),
          }),
          onboarding: workflowLinkSchema,
        }),
      },
      503: { description: 'Temporal is unavailable; nothing was created', schema: problemSchema },
    },
    handler: async ({ body }) => {
      const created = await orgs.createOrg(body);
      return {
        status: 201,
        headers: { Location: `/v1/orgs/${created.org.id}` },
        body: { org: orgView(created.org), apiKey: created.apiKey, onboarding: created.onboarding },
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/orgs/:orgId',
    summary: 'Get an org and where its onboarding stands',
    tag: 'Orgs',
    access: 'operatorOrOrg',
    params: orgIdParams,
    responses: {
      200: { description: 'The org', schema: orgSchema.extend({ onboarding: onboardingSchema.nullable() }) },
      404: { description: 'No such org visible to this key', schema: problemSchema },
    },
    handler: async ({ params, caller }) => {
      const org = await visibleOrg(orgs, params.orgId, caller);
      const onboarding = await orgs.getOnboarding(org.id);
      return { status: 200, body: { ...orgView(org), onboarding: onboarding && { ...onboarding.view, workflow: onboarding.link } } };
    },
  });

  api.route({
    method: 'patch',
    path: '/v1/orgs/:orgId',
    summary: "Change the org's time zone; its daily balance snapshot moves to 23:59 there",
    tag: 'Orgs',
    access: 'operator',
    params: orgIdParams,
    body: z.strictObject({ timeZone }).openapi('UpdateOrg'),
    responses: {
      200: { description: 'The org', schema: orgSchema },
      404: { description: 'No such org', schema: problemSchema },
      503: { description: 'Temporal is unavailable; nothing was changed', schema: problemSchema },
    },
    handler: async ({ params, body }) => ({ status: 200, body: orgView(await orgs.changeTimeZone(params.orgId, body.timeZone)) }),
  });

  api.route({
    method: 'get',
    path: '/v1/orgs/:orgId/onboarding',
    summary: "Where the org's onboarding stands and which events it accepts now",
    tag: 'Orgs',
    access: 'operatorOrOrg',
    params: orgIdParams,
    responses: {
      200: { description: 'The onboarding process', schema: onboardingSchema },
      404: { description: 'No such org or onboarding', schema: problemSchema },
    },
    handler: async ({ params, caller }) => {
      const org = await visibleOrg(orgs, params.orgId, caller);
      const onboarding = await orgs.getOnboarding(org.id);
      if (!onboarding) throw Problem.notFound(`onboarding of org ${org.id}`);
      return { status: 200, body: { ...onboarding.view, workflow: onboarding.link } };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/orgs/:orgId/onboarding/events',
    summary: 'Move a human onboarding step forward (e.g. Service Desk access granted)',
    tag: 'Orgs',
    access: 'operator',
    params: orgIdParams,
    body: onboardingEventBody,
    responses: {
      200: { description: 'The onboarding process after the event', schema: onboardingSchema.omit({ workflow: true }) },
      404: { description: 'No such org', schema: problemSchema },
      409: { description: 'The event is not allowed now; allowedEvents lists what is', schema: problemSchema },
    },
    handler: async ({ params, body, caller }) => {
      const org = await visibleOrg(orgs, params.orgId, caller);
      const view = await orgs.sendOnboardingEvent(org.id, {
        type: body.type,
        by: caller?.actor ?? 'operator',
        ...(body.notes ? { notes: body.notes } : {}),
      });
      return { status: 200, body: view };
    },
  });
}

/** The org if this caller may see it; another org's key gets the same 404 as a missing org. */
async function visibleOrg(orgs: OrgService, orgId: string, caller: Caller | undefined) {
  const org = caller?.kind === 'org' && caller.orgId !== orgId ? null : await orgs.getOrg(orgId);
  if (!org) throw Problem.notFound(`org ${orgId}`);
  return org;
}

function orgView(org: Org & { environments: Environment[] }) {
  return {
    id: org.id,
    legalName: org.legalName,
    address: {
      line1: org.addressLine1,
      ...(org.addressLine2 ? { line2: org.addressLine2 } : {}),
      city: org.city,
      ...(org.region ? { region: org.region } : {}),
      postalCode: org.postalCode,
      country: org.country,
    },
    timeZone: org.timeZone,
    status: org.status,
    createdAt: org.createdAt.toISOString(),
    environments: org.environments.map((e) => ({ id: e.id, kind: e.kind, status: e.status })),
  };
}

function isIanaTimeZone(name: string): boolean {
  // Area/Location names (plus UTC); DateTimeFormat alone would also accept offsets like +05:00.
  if (!/^(?:[A-Za-z][A-Za-z_-]*(?:\/[A-Za-z0-9][A-Za-z0-9_+-]*){1,2}|UTC|Etc\/UTC)$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

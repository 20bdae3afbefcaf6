import type { Environment, Org } from '../../generated/prisma/client.js';
import { environmentKinds } from '../../machines/environment-provisioning.js';
import { cardNetworks } from '../../machines/network-certification.js';
import { onboardingProcesses } from '../../machines/org-onboarding.js';
import type { Processes } from '../../processes/index.js';
import { onboardingEventTypes, targetOf } from '../../processes/onboarding.js';
import type { Services } from '../../services/index.js';
import type { OrgRecords } from '../../services/orgs.js';
import { problemSchema, type Api } from '../api.js';
import type { Caller } from '../auth.js';
import { Problem } from '../problem.js';
import { prose, text, z } from '../zod.js';
import { examples } from '../openapi-examples.js';

/** Area/Location names (plus UTC); DateTimeFormat alone would also accept offsets like +05:00. */
const IANA_ZONE_SHAPE =
  /^(?:[A-Za-z][A-Za-z_-]*(?:\/[A-Za-z0-9][A-Za-z0-9_+-]*){1,2}|UTC|Etc\/UTC)$/;

const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(isIanaTimeZone, {
    message: 'must be an IANA time zone name such as America/Sao_Paulo',
    params: { rule: 'invalid_time_zone' },
  })
  .openapi({
    example: 'America/Sao_Paulo',
    description: 'IANA time zone name (Area/Location, or UTC)',
    pattern: IANA_ZONE_SHAPE.source,
  });

const address = z
  .strictObject({
    line1: text(200),
    line2: text(200).optional(),
    city: text(100),
    region: text(100).optional(),
    postalCode: text(20),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as BR')
      .openapi({ example: 'BR' }),
  })
  .openapi('Address', { example: examples.Address });

export const network = z.enum(cardNetworks, {
  message: `must be one of ${cardNetworks.join(', ')}`,
});
const environmentKind = z.enum(environmentKinds, {
  message: `must be one of ${environmentKinds.join(', ')}`,
});

const createOrgBody = z
  .strictObject({
    legalName: text(200).openapi({ example: 'Acme Pagamentos S.A.' }),
    address,
    timeZone,
    networks: z
      .array(network)
      .min(1)
      .refine((list) => new Set(list).size === list.length, {
        message: 'must not name a network twice',
        params: { rule: 'unique' },
      })
      .openapi({
        example: ['VISA', 'MASTERCARD'],
        description: 'The card networks the org gets certified with',
      }),
  })
  .openapi('CreateOrg', { example: examples.CreateOrg });

const environmentSchema = z
  .object({
    id: z.uuid(),
    kind: environmentKind,
    status: z.enum(['PROVISIONING', 'VERIFYING', 'READY', 'FAILED']),
    verifiedAt: z.iso.datetime().nullable(),
    provisioningError: z.string().nullable(),
  })
  .openapi('Environment');

export const orgSchema = z
  .object({
    id: z.uuid().openapi({ description: 'The Org ID (tenant ID)' }),
    legalName: z.string(),
    address,
    timeZone: z.string(),
    networks: z.array(network),
    status: z.enum(['ONBOARDING', 'ACTIVE']),
    createdAt: z.iso.datetime(),
    environments: z.array(environmentSchema),
  })
  .openapi('Org', { example: examples.Org });

export const workflowLinkSchema = z
  .object({
    workflowId: z.string(),
    runId: z.string().optional(),
    uiUrl: z.url().optional(),
    page: z.string(),
  })
  .openapi('WorkflowLink', { example: examples.WorkflowLink });

const stepSchema = z.object({
  event: z.string(),
  from: z.string().openapi({
    description:
      'Where the step started: a stage of its process, or for a step of one network’s certification (`network` set) that network’s status (`waiting`, `inProgress`, `certified`, `cancelled`)',
  }),
  to: z.string().openapi({
    description:
      'Where the step ended, in the same terms as `from`: a network’s certification that ended says `certified` or `cancelled`',
  }),
  at: z.iso.datetime(),
  by: z.string(),
  notes: z.string().optional(),
  process: z.string().optional(),
  network: network.optional(),
});

const allowedEventSchema = z
  .object({
    type: z.enum(onboardingEventTypes),
    network: network.optional(),
    environment: environmentKind.optional(),
  })
  .openapi('AllowedOnboardingEvent');

const onboardingRefusalSchema = problemSchema
  .extend({
    stage: z.string().optional().openapi({ description: 'The refusing run’s stage' }),
    stages: z.array(z.string()).optional().openapi({
      description:
        'The org run’s stages (when it refused, or when the event’s run has not started)',
    }),
    waitingFor: z.array(z.string()).optional(),
    allowedEvents: z.array(allowedEventSchema).optional().openapi({
      description:
        'Every event onboarding accepts now, whichever run each goes to: the `allowedEvents` of GET /v1/orgs/{orgId}/onboarding',
    }),
  })
  .openapi('OnboardingRefusal');

const onboardingSchema = z
  .object({
    orgId: z.uuid(),
    stage: z.enum(['onboarding', 'activating', 'live']),
    stages: z.array(z.string()).openapi({
      description: 'The org run’s own stages, as its Stage search attribute lists them',
    }),
    done: z.boolean(),
    processes: z.array(
      z.object({
        process: z.enum(onboardingProcesses),
        network: network.optional(),
        environment: environmentKind.optional(),
        stage: z.string(),
        done: z.boolean(),
        workflow: workflowLinkSchema.optional(),
        details: z.record(z.string(), z.unknown()).optional(),
      }),
    ),
    allowedEvents: z
      .array(allowedEventSchema)
      .openapi({ description: 'What may happen next, and which run each event goes to' }),
    waitingFor: z.array(z.string()),
    history: z.array(stepSchema),
    workflow: workflowLinkSchema,
  })
  .openapi('Onboarding', { example: examples.Onboarding });

const orgOnboardingStateSchema = z
  .object({
    orgId: z.uuid(),
    stage: z.enum(['onboarding', 'activating', 'live']),
    done: z.boolean(),
    processes: z.record(z.string(), z.string()),
    stages: z.array(z.string()),
    certifications: z.record(
      z.string(),
      z.object({ status: z.string(), attempt: z.number().int() }),
    ),
    allowedEvents: z.array(allowedEventSchema),
    waitingFor: z.array(z.string()),
    history: z.array(stepSchema),
  })
  .openapi('OrgOnboardingRun');

const certificationStateSchema = z
  .object({
    orgId: z.uuid(),
    network,
    stage: z.string(),
    done: z.boolean(),
    escalated: z.boolean(),
    deadline: z.iso.datetime(),
    remindersSent: z.number().int(),
    allowedEvents: z.array(z.string()),
    history: z.array(stepSchema),
  })
  .openapi('NetworkCertificationRun');

const provisioningStateSchema = z
  .object({
    orgId: z.uuid(),
    environment: environmentKind,
    stage: z.string(),
    done: z.boolean(),
    failedStep: z.string().nullable(),
    lastError: z.string().nullable(),
    allowedEvents: z.array(z.string()),
    waitingFor: z.string(),
    history: z.array(stepSchema),
  })
  .openapi('EnvironmentProvisioningRun');

const onboardingEventAnswerSchema = z
  .discriminatedUnion('run', [
    z.object({
      run: z.literal('orgOnboarding'),
      workflow: workflowLinkSchema,
      state: orgOnboardingStateSchema,
    }),
    z.object({
      run: z.literal('networkCertification'),
      workflow: workflowLinkSchema,
      state: certificationStateSchema,
    }),
    z.object({
      run: z.literal('environmentProvisioning'),
      workflow: workflowLinkSchema,
      state: provisioningStateSchema,
    }),
  ])
  .openapi('OnboardingEventAnswer', {
    example: examples.OnboardingEventAnswer,
    description: 'The run the event went to, and that run as its Update answered after the event',
  });

export const orgIdParams = z.strictObject({ orgId: z.uuid({ message: 'must be a UUID' }) });

const onboardingEventBody = z
  .strictObject({
    type: z.enum(onboardingEventTypes),
    network: network
      .optional()
      .openapi({ description: 'Which certification the event is for (certification events)' }),
    environment: environmentKind
      .optional()
      .openapi({ description: 'Which environment the event is for (RETRY_STEP)' }),
    notes: prose(1000).optional().openapi({ description: 'Evidence or notes kept with the step' }),
  })
  .superRefine((event, ctx) => {
    // What the routing table says the event must name to find its run, and nothing else.
    const target = targetOf(event.type);
    for (const field of ['network', 'environment'] as const) {
      const needed = target === field;
      if (needed === (event[field] !== undefined)) continue;
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: needed ? `is required for ${event.type}` : `is not used by ${event.type}`,
        params: { rule: needed ? 'required' : 'not_allowed' },
      });
    }
  })
  .openapi('OnboardingEvent', { example: examples.OnboardingEvent });

const apiKeyBody = z
  .strictObject({
    environment: environmentKind,
    name: text(100).openapi({ example: 'Card program backend' }),
  })
  .openapi('CreateApiKey', { example: examples.CreateApiKey });

export function registerOrgRoutes(api: Api, services: Services, processes: Processes): void {
  const { orgs } = services;
  const { onboarding } = processes;
  api.route({
    method: 'post',
    path: '/v1/orgs',
    operationId: 'createOrg',
    summary: 'Create an org with its test environment and test API key, and start its onboarding',
    tag: 'Orgs',
    access: 'operator',
    body: createOrgBody,
    idempotent: true,
    secretFields: ['apiKey.token'],
    responses: {
      201: {
        example: examples.createOrg,
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
    handler: async ({ body, ids }) => {
      const created = await processes.orgs.create(body, ids);
      return {
        status: 201,
        headers: { Location: `/v1/orgs/${created.org.id}` },
        body: {
          org: orgView(created.org),
          apiKey: {
            id: created.apiKey.id,
            environmentId: created.apiKey.environmentId,
            environmentKind: created.apiKey.environmentKind,
            token: created.apiKey.token,
          },
          onboarding: created.onboarding,
        },
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/orgs/:orgId',
    operationId: 'getOrg',
    summary: 'Get an org and where its onboarding stands',
    tag: 'Orgs',
    access: 'operatorOrOrg',
    params: orgIdParams,
    responses: {
      200: {
        example: examples.getOrg,
        description: 'The org',
        schema: orgSchema
          .extend({ onboarding: onboardingSchema.nullable() })
          .openapi({ example: examples.getOrg }),
      },
      404: { description: 'No such org visible to this key', schema: problemSchema },
    },
    handler: async ({ params, caller }) => {
      const org = await visibleOrg(orgs, params.orgId, caller);
      return {
        status: 200,
        body: { ...orgView(org), onboarding: await onboarding.getOnboarding(org.id) },
      };
    },
  });

  api.route({
    method: 'patch',
    path: '/v1/orgs/:orgId',
    operationId: 'updateOrg',
    summary: "Change the org's time zone; its daily balance snapshot moves to 23:59 there",
    tag: 'Orgs',
    access: 'operator',
    params: orgIdParams,
    body: z.strictObject({ timeZone }).openapi('UpdateOrg', { example: examples.UpdateOrg }),
    responses: {
      200: { description: 'The org', schema: orgSchema },
      404: { description: 'No such org', schema: problemSchema },
      503: { description: 'Temporal is unavailable; nothing was changed', schema: problemSchema },
    },
    handler: async ({ params, body }) => ({
      status: 200,
      body: orgView(await processes.orgs.changeTimeZone(params.orgId, body.timeZone)),
    }),
  });

  api.route({
    method: 'get',
    path: '/v1/orgs/:orgId/onboarding',
    operationId: 'getOnboarding',
    summary:
      "Where every process of the org's onboarding stands, and which events each accepts now",
    tag: 'Orgs',
    access: 'operatorOrOrg',
    params: orgIdParams,
    responses: {
      200: { description: 'The onboarding process', schema: onboardingSchema },
      404: { description: 'No such org or onboarding', schema: problemSchema },
    },
    handler: async ({ params, caller }) => {
      const org = await visibleOrg(orgs, params.orgId, caller);
      return { status: 200, body: await onboarding.requireOnboarding(org.id) };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/orgs/:orgId/onboarding/events',
    operationId: 'sendOnboardingEvent',
    summary:
      'Send an operator event (Service Desk access granted, test plan agreed, results submitted, …) to the run it is for',
    tag: 'Orgs',
    access: 'operator',
    params: orgIdParams,
    body: onboardingEventBody,
    idempotent: true,
    responses: {
      200: {
        description: 'The run that took the event, as it stands after it',
        schema: onboardingEventAnswerSchema,
      },
      400: { description: 'The event is malformed or names no run', schema: problemSchema },
      404: {
        description: 'The org has no onboarding (or there is no such org)',
        schema: problemSchema,
      },
      409: {
        description:
          'The run’s machine does not allow the event now, the run has ended, or it has not started; `allowedEvents` lists every event onboarding accepts now',
        schema: onboardingRefusalSchema,
        example: examples.OnboardingRefusal,
      },
    },
    // Operator only, and the org's runs are named after it: an org without onboarding runs (or
    // no org at all) is a 404 from the run itself, with no database read on the way.
    handler: async ({ params, body, caller, ids }) => {
      const answer = await onboarding.sendOnboardingEvent(
        params.orgId,
        { ...body, by: caller?.actor ?? 'operator' },
        ids.operationId,
      );
      return { status: 200, body: answer };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/orgs/:orgId/api-keys',
    operationId: 'createApiKey',
    summary:
      "Issue an API key for one of the org's environments (production only once it is provisioned and verified)",
    tag: 'Orgs',
    access: 'operator',
    params: orgIdParams,
    body: apiKeyBody,
    idempotent: true,
    secretFields: ['token'],
    responses: {
      201: {
        example: examples.createApiKey,
        description: 'The key (shown only here)',
        schema: z.object({
          id: z.uuid(),
          environmentId: z.uuid(),
          environmentKind: environmentKind,
          name: z.string(),
          token: z.string(),
        }),
      },
      404: { description: 'No such org', schema: problemSchema },
      409: {
        description: 'The environment is not provisioned and verified yet',
        schema: problemSchema,
      },
    },
    handler: async ({ params, body, caller, ids }) => {
      const org = await visibleOrg(orgs, params.orgId, caller);
      return {
        status: 201,
        body: await orgs.issueKey(org.id, body.environment, body.name, ids),
      };
    },
  });
}

/** The org if this caller may see it; another org's key gets the same 404 as a missing org. */
async function visibleOrg(orgs: OrgRecords, orgId: string, caller: Caller | undefined) {
  const org = caller?.kind === 'org' && caller.orgId !== orgId ? null : await orgs.get(orgId);
  if (!org) throw Problem.notFound(`org ${orgId}`);
  return org;
}

export function orgView(org: Org & { environments: Environment[] }) {
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
    networks: org.networks,
    status: org.status,
    createdAt: org.createdAt.toISOString(),
    environments: org.environments.map((e) => ({
      id: e.id,
      kind: e.kind,
      status: e.status,
      verifiedAt: e.verifiedAt?.toISOString() ?? null,
      provisioningError: e.provisioningError,
    })),
  };
}

function isIanaTimeZone(name: string): boolean {
  if (!IANA_ZONE_SHAPE.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

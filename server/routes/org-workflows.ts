import type { OrgWorkflows, RunScope } from '../../processes/org-workflows.js';
import { problemSchema, type Api } from '../api.js';
import type { Caller } from '../auth.js';
import { Problem } from '../problem.js';
import { z } from '../zod.js';
import { network, orgIdParams, workflowLinkSchema } from './orgs.js';
import { examples } from '../openapi-examples.js';

const workflowId = z
  .string()
  .regex(/^[\w.-]{1,200}$/, 'must be a workflow id (letters, digits, _ . -)');
const handlerName = z.string().regex(/^\w{1,100}$/, 'must be a handler name');
const runParams = orgIdParams.extend({ workflowId });

const startBody = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('orgOnboarding') }),
    z.strictObject({ type: z.literal('networkCertification'), network }),
  ])
  .openapi('StartOrgWorkflow', {
    example: examples.StartOrgWorkflow,
    description:
      'orgOnboarding (when the org has none) or a network certification outside onboarding',
  });

const descriptionSchema = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    type: z.string(),
    status: z.string(),
    startTime: z.iso.datetime(),
    closeTime: z.iso.datetime().nullable(),
    historyLength: z.number().int(),
    searchAttributes: z.record(z.string(), z.unknown()),
    queries: z.array(z.string()),
    link: workflowLinkSchema,
  })
  .openapi('OrgWorkflow', { example: examples.OrgWorkflow });

/** Whose runs the caller may reach: the operator any org's, an org key only its own org's, in its environment. */
function scopeOf(orgId: string, caller: Caller | undefined): RunScope {
  if (caller?.kind === 'org') {
    if (caller.orgId !== orgId) throw Problem.notFound(`org ${orgId}`);
    return { orgId, environmentId: caller.environmentId };
  }
  return { orgId };
}

export function registerOrgWorkflowRoutes(api: Api, workflows: OrgWorkflows): void {
  const tag = 'Org workflows';

  api.route({
    method: 'get',
    path: '/v1/orgs/:orgId/workflows',
    operationId: 'listOrgWorkflows',
    summary: "The org's workflow runs, newest first (as the Web UI lists them by OrgId)",
    tag,
    access: 'operatorOrOrg',
    params: orgIdParams,
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
    responses: {
      200: {
        example: examples.listOrgWorkflows,
        description: 'Runs',
        schema: z.object({
          items: z.array(
            descriptionSchema.pick({
              workflowId: true,
              runId: true,
              type: true,
              status: true,
              startTime: true,
              closeTime: true,
              link: true,
            }),
          ),
        }),
      },
      404: { description: 'No such org visible to this key', schema: problemSchema },
    },
    handler: async ({ params, query, caller }) => ({
      status: 200,
      body: { items: await workflows.list(scopeOf(params.orgId, caller), query.limit) },
    }),
  });

  api.route({
    method: 'post',
    path: '/v1/orgs/:orgId/workflows',
    operationId: 'startOrgWorkflow',
    summary:
      'Start a workflow for the org; its id comes from the business key, so a second start is refused',
    tag,
    access: 'operator',
    params: orgIdParams,
    body: startBody,
    idempotent: true,
    responses: {
      201: { description: 'The run started', schema: workflowLinkSchema },
      404: { description: 'No such org', schema: problemSchema },
      409: {
        description:
          'A run with this business key exists, or the running onboarding certifies that network itself; nothing was started',
        schema: problemSchema,
      },
    },
    handler: async ({ params, body, ids }) => {
      const link = await workflows.start(params.orgId, body, ids);
      return {
        status: 201,
        headers: { Location: `/v1/orgs/${params.orgId}/workflows/${link.workflowId}` },
        body: link,
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/orgs/:orgId/workflows/:workflowId',
    operationId: 'getOrgWorkflow',
    summary: 'Describe one of the org’s runs: status, search attributes, handlers, Web UI link',
    tag,
    access: 'operatorOrOrg',
    params: runParams,
    responses: {
      200: { description: 'The run', schema: descriptionSchema },
      404: { description: 'No such run of this org', schema: problemSchema },
    },
    handler: async ({ params, caller }) => ({
      status: 200,
      body: await workflows.describe(scopeOf(params.orgId, caller), params.workflowId),
    }),
  });

  api.route({
    method: 'get',
    path: '/v1/orgs/:orgId/workflows/:workflowId/queries/:queryName',
    operationId: 'queryOrgWorkflow',
    summary: 'Run a query on one of the org’s runs',
    tag,
    access: 'operatorOrOrg',
    params: runParams.extend({ queryName: handlerName }),
    responses: {
      200: {
        description: 'What the query answered',
        schema: z.record(z.string(), z.unknown()),
        example: examples.queryOrgWorkflow,
      },
      404: { description: 'No such run of this org, or no such query', schema: problemSchema },
    },
    handler: async ({ params, caller }) => ({
      status: 200,
      body: (await workflows.query(
        scopeOf(params.orgId, caller),
        params.workflowId,
        params.queryName,
      )) as Record<string, unknown>,
    }),
  });
}

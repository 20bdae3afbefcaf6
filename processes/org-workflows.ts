import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { searchAttributes, workflowIds } from '../common/temporal-names.js';
import type { CardNetwork } from '../machines/network-certification.js';
import type { OnboardingSettings } from '../runtime/config.js';
import { DomainFailure } from '../common/failures.js';
import { getApplicationQuery } from '../workflows/account-application.js';
import { getEnvironmentProvisioningQuery } from '../workflows/environment-provisioning.js';
import {
  getCertificationQuery,
  type networkCertification,
} from '../workflows/network-certification.js';
import { getOrgOnboardingQuery } from '../workflows/org-onboarding.js';
import type { OrgRecords } from '../services/orgs.js';
import type { OrgProcesses } from './orgs.js';
import type { WorkflowLink, WorkflowLinkFn } from './workflow-links.js';
import type { IdSource } from '../services/ids.js';
import { runOwnership, runSummaries, runVisibleTo, startOnce } from './workflow-starts.js';

// Any workflow an org owns, reached by its id: describe, query, update, and start the kinds an
// operator may start by hand. A run belongs to the org named in its memo (and, for runs inside one
// environment, to that environment); any other run answers 404 as if it did not exist, and lists
// leave it out. Signals are the product's own (a temporary block's timer is cancelled by the
// status change that leaves the block); none is offered over HTTP, so no call can stop a timer
// the account still needs.

/**
 * The queries each workflow type offers over HTTP. Events go through the door of their process
 * (onboarding events, application routes), never to a run's Update by name.
 */
const orgWorkflowQueries = {
  orgOnboarding: [getOrgOnboardingQuery],
  environmentProvisioning: [getEnvironmentProvisioningQuery],
  networkCertification: [getCertificationQuery],
  accountApplication: [getApplicationQuery],
} satisfies Record<string, QueryDefinition<unknown>[]>;

type OrgWorkflowType = keyof typeof orgWorkflowQueries;

/** What an operator may start by hand; everything else is started by the product itself. */
export type OrgWorkflowStart =
  { type: 'orgOnboarding' } | { type: 'networkCertification'; network: CardNetwork };

/** Who is asking: the operator sees all of an org's runs, an org key those of its environment and the org's own. */
export interface RunScope {
  orgId: string;
  environmentId?: string;
}

export interface OrgWorkflowDescription {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  startTime: string;
  closeTime: string | null;
  historyLength: number;
  searchAttributes: Record<string, unknown>;
  /** The queries GET .../queries/:name answers */
  queries: string[];
  link: WorkflowLink;
}

export function createOrgWorkflows(deps: {
  temporal: Client;
  taskQueue: string;
  searchAttributes?: boolean;
  onboarding: OnboardingSettings;
  orgs: OrgRecords;
  orgProcesses: OrgProcesses;
  workflowLink: WorkflowLinkFn;
}) {
  const { temporal } = deps;

  async function ownedRun(scope: RunScope, workflowId: string) {
    const handle = temporal.workflow.getHandle(workflowId);
    let description: WorkflowExecutionDescription;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError)
        throw DomainFailure.notFound(`workflow ${workflowId}`);
      throw error;
    }
    if (!runVisibleTo(scope, description.memo))
      throw DomainFailure.notFound(`workflow ${workflowId}`);
    const type = description.type as OrgWorkflowType;
    const queries: QueryDefinition<unknown>[] = Object.hasOwn(orgWorkflowQueries, type)
      ? orgWorkflowQueries[type]
      : [];
    return { handle, description, queries };
  }

  return {
    async describe(scope: RunScope, workflowId: string): Promise<OrgWorkflowDescription> {
      const { description, queries } = await ownedRun(scope, workflowId);
      return {
        workflowId,
        runId: description.runId,
        type: description.type,
        status: description.status.name,
        startTime: description.startTime.toISOString(),
        closeTime: description.closeTime?.toISOString() ?? null,
        historyLength: description.historyLength,
        searchAttributes: Object.fromEntries(
          description.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value]),
        ),
        queries: queries.map((d) => d.name),
        link: deps.workflowLink(workflowId, description.runId),
      };
    },

    async query(scope: RunScope, workflowId: string, queryName: string): Promise<unknown> {
      const { handle, queries } = await ownedRun(scope, workflowId);
      const query = queries.find((d) => d.name === queryName);
      if (!query) {
        throw DomainFailure.notFound(
          `query ${queryName} of workflow ${workflowId} (it offers ${queries.map((d) => d.name).join(', ') || 'none'})`,
        );
      }
      return handle.query(query);
    },

    /**
     * Starts a run whose id comes from its business key, so a second start finds the first: 409.
     * A certification of a network the org's running onboarding certifies with is refused: the
     * onboarding starts that run itself and would be stuck if it found the id taken.
     */
    async start(orgId: string, request: OrgWorkflowStart, ids: IdSource): Promise<WorkflowLink> {
      const org = await deps.orgs.get(orgId);
      if (!org) throw DomainFailure.notFound(`org ${orgId}`);
      try {
        if (request.type === 'orgOnboarding')
          return await deps.orgProcesses.startOnboarding(org, ids.operationId);
        if (org.networks.includes(request.network) && (await onboardingRunning(orgId))) {
          throw new DomainFailure(
            'CONFLICT',
            `the onboarding of org ${orgId} runs its ${request.network} certification; send that certification's events to POST /v1/orgs/${orgId}/onboarding/events`,
            {
              errors: [
                {
                  field: 'network',
                  rule: 'run_by_onboarding',
                  message: `is certified by the org's onboarding, which is still running`,
                },
              ],
            },
          );
        }
        const workflowId = workflowIds.networkCertification(orgId, request.network);
        const run = await startOnce(temporal, workflowId, ids.operationId, (memo) =>
          temporal.workflow.start<typeof networkCertification>('networkCertification', {
            workflowId,
            taskQueue: deps.taskQueue,
            args: [
              {
                orgId,
                network: request.network,
                startedAt: new Date().toISOString(),
                ...deps.onboarding.certification,
              },
            ],
            ...runSummaries.certification(org, request.network),
            ...runOwnership(
              deps,
              { orgId },
              [
                { key: searchAttributes.network, value: request.network },
                { key: searchAttributes.stage, value: ['kickoff'] },
                { key: searchAttributes.escalated, value: false },
              ],
              memo,
            ),
          }),
        );
        return deps.workflowLink(run.workflowId, run.runId);
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) {
          throw new DomainFailure(
            'CONFLICT',
            `${request.type} for org ${orgId} already has a run (${error.workflowId}); nothing was started`,
            {
              workflowId: error.workflowId,
            },
          );
        }
        throw error;
      }
    },

    /**
     * The runs this caller may see, newest first, through Temporal's visibility (needs the OrgId
     * and EnvironmentId search attributes): an org key gets its org's org-wide runs and those of
     * its own environment, never the other environment's.
     */
    async list(scope: RunScope, limit: number) {
      if (deps.searchAttributes === false) {
        throw new DomainFailure(
          'DEPENDENCY_UNAVAILABLE',
          'listing runs needs the OrgId search attribute, which this Temporal server lacks',
        );
      }
      const inEnvironment = scope.environmentId
        ? ` AND (EnvironmentId = '${scope.environmentId}' OR EnvironmentId IS NULL)`
        : '';
      const runs = [];
      for await (const run of temporal.workflow.list({
        query: `OrgId = '${scope.orgId}'${inEnvironment}`,
        pageSize: limit,
      })) {
        if (!runVisibleTo(scope, run.memo)) continue;
        runs.push({
          workflowId: run.workflowId,
          runId: run.runId,
          type: run.type,
          status: run.status.name,
          startTime: run.startTime.toISOString(),
          closeTime: run.closeTime?.toISOString() ?? null,
          link: deps.workflowLink(run.workflowId, run.runId),
        });
        if (runs.length >= limit) break;
      }
      return runs;
    },
  };

  /** Whether the org's onboarding run is still going (and so starts its certifications itself). */
  async function onboardingRunning(orgId: string): Promise<boolean> {
    try {
      const { status } = await temporal.workflow
        .getHandle(workflowIds.orgOnboarding(orgId))
        .describe();
      return status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }
}

export type OrgWorkflows = ReturnType<typeof createOrgWorkflows>;

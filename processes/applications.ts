import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers.js';
import { searchAttributes, workflowIds } from '../common/temporal-names.js';
import {
  applicationAtStart,
  applicationStatus,
  applicationStatuses,
  mergeChanges,
  type ApplicationChanges,
  type ApplicationStatus,
} from '../machines/account-application.js';
import { DomainFailure } from '../common/failures.js';
import {
  cancelApplicationUpdate,
  getApplicationQuery,
  submitApplicationUpdate,
  updateApplicationUpdate,
  applicationView,
  type accountApplication,
  type ApplicationCaller,
  type AccountApplicationView,
} from '../workflows/account-application.js';
import type { IdSource } from '../services/ids.js';
import { createSealer } from '../services/sealing.js';
import { runOwnership, runSummaries, runVisibleTo } from './workflow-starts.js';
import type { Actor, Tenant } from '../services/tenant.js';
import { executeMachineUpdate, RunEnded } from './workflow-updates.js';

export interface ApplicationProcessDeps {
  temporal: Client;
  /** Seals the page tokens a list gives out */
  serverSecret: string;
  taskQueue: string;
  draftExpiresAfterMs: number;
  searchAttributes?: boolean;
}

/** Work-in-progress account applications, each one a workflow (id from the application id). */
export function createApplicationProcesses(deps: ApplicationProcessDeps) {
  const { temporal } = deps;
  const handleOf = (applicationId: string) =>
    temporal.workflow.getHandle(workflowIds.accountApplication(applicationId));

  const pageTokens = createSealer(deps.serverSecret, {
    salt: 'visibility-page-token',
    info: 'account-applications',
  });
  const sealPageToken = (token: Uint8Array, scope: PageTokenScope): Uint8Array =>
    Buffer.from(
      pageTokens.seal(JSON.stringify({ ...scope, token: Buffer.from(token).toString('base64') })),
      'base64',
    );
  /** The token `sealPageToken` was given for this scope, or undefined for any other bytes. */
  const openPageToken = (sealed: Uint8Array, scope: PageTokenScope): Uint8Array | undefined => {
    try {
      const opened = JSON.parse(pageTokens.unseal(Buffer.from(sealed).toString('base64'))) as {
        environmentId?: unknown;
        filter?: unknown;
        token?: unknown;
      };
      return opened.environmentId === scope.environmentId &&
        opened.filter === scope.filter &&
        typeof opened.token === 'string'
        ? Buffer.from(opened.token, 'base64')
        : undefined;
    } catch {
      return undefined;
    }
  };

  async function get(tenant: Tenant, applicationId: string): Promise<AccountApplicationView> {
    try {
      const view = await handleOf(applicationId).query(getApplicationQuery);
      if (view.environmentId === tenant.environmentId) return view;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    throw DomainFailure.notFound(`application ${applicationId}`);
  }

  return {
    get,

    /**
     * Creates a draft, or a submitted application when `submit` is set. Its id comes from `ids`:
     * a retry of the same request finds the run its first attempt started and answers with where
     * that application stands now.
     */
    async create(
      tenant: Tenant,
      changes: ApplicationChanges,
      submit: boolean,
      actor: Actor,
      ids: IdSource,
    ): Promise<AccountApplicationView> {
      const applicationId = ids.uuid('application');
      const data = mergeChanges({ additionalCustomers: [] }, changes);
      const start = {
        applicationId,
        ...tenant,
        data,
        submit,
        by: actor.actor,
        draftExpiresAfterMs: deps.draftExpiresAfterMs,
      };
      const startedAt = new Date().toISOString();
      const atStart = applicationAtStart(data, { submit, at: startedAt, by: actor.actor });
      try {
        await temporal.workflow.start<typeof accountApplication>('accountApplication', {
          workflowId: workflowIds.accountApplication(applicationId),
          taskQueue: deps.taskQueue,
          args: [start],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          ...runOwnership(deps, tenant, [
            { key: searchAttributes.stage, value: [applicationStatus(atStart)] },
          ]),
          ...runSummaries.accountApplication(applicationId),
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError)
          return get(tenant, applicationId);
        throw error;
      }
      // The run starts exactly so; its own view is a query away once a worker has taken it.
      return applicationView(start, atStart);
    },

    /**
     * A page of this environment's applications, newest first, from Temporal's visibility (the
     * OrgId and EnvironmentId search attributes, and Stage, which holds the status). `after` is
     * the `next` of a previous page: Temporal's own page token, sealed with the environment and
     * filter it was made for (a token is good only for the query it came from). A token a client
     * altered or made up never reaches Temporal, which takes one it cannot read for a fault of its
     * own and retries it for many seconds before failing.
     */
    async list(
      tenant: Tenant,
      filter: { status?: ApplicationStatus },
      page: { limit: number; after?: Uint8Array },
    ): Promise<{ items: ApplicationSummary[]; next?: Uint8Array }> {
      if (deps.searchAttributes === false) {
        throw new DomainFailure(
          'DEPENDENCY_UNAVAILABLE',
          'listing applications needs the OrgId, EnvironmentId and Stage search attributes, which this Temporal server lacks',
        );
      }
      const scope = { environmentId: tenant.environmentId, filter: filter.status ?? '' };
      const invalidCursor = DomainFailure.invalid([
        {
          field: 'after',
          rule: 'invalid_cursor',
          message: 'must be the `next` of a previous page of this list with the same filter',
        },
      ]);
      const after = page.after && openPageToken(page.after, scope);
      if (page.after && !after) throw invalidCursor;
      const status =
        filter.status && applicationStatuses.includes(filter.status)
          ? ` AND Stage = '${filter.status}'`
          : '';
      let response;
      try {
        response = await temporal.workflowService.listWorkflowExecutions({
          namespace: temporal.options.namespace,
          query:
            `WorkflowType = 'accountApplication' AND OrgId = '${tenant.orgId}'` +
            ` AND EnvironmentId = '${tenant.environmentId}'${status}`,
          pageSize: page.limit,
          nextPageToken: after,
        });
      } catch (error) {
        // A token of Temporal's own it no longer takes (gRPC INVALID_ARGUMENT), e.g. after its
        // visibility store changed: the cursor is stale
        if (after && (error as { code?: unknown }).code === 3) throw invalidCursor;
        throw error;
      }
      const items: ApplicationSummary[] = [];
      for (const raw of response.executions) {
        const run = await executionInfoFromRaw(
          raw,
          temporal.options.loadedDataConverter,
          raw,
          temporal.options.namespace,
        );
        if (!runVisibleTo(tenant, run.memo) || run.memo?.environmentId !== tenant.environmentId)
          continue;
        const applicationId = run.workflowId.replace(workflowIds.accountApplication(''), '');
        const indexed = run.typedSearchAttributes.get(searchAttributes.stage)?.[0];
        items.push({
          applicationId,
          status: (indexed as ApplicationStatus | undefined) ?? (await statusOf(applicationId)),
          createdAt: run.startTime,
          closedAt: run.closeTime ?? null,
        });
      }
      const token = response.nextPageToken;
      return {
        items,
        ...(token && token.length > 0 ? { next: sealPageToken(token, scope) } : {}),
      };
    },

    /** Updates a draft: one Update, which the run refuses for another environment's caller. */
    update(
      tenant: Tenant,
      applicationId: string,
      changes: ApplicationChanges,
      actor: Actor,
      ids: IdSource,
    ) {
      return send(tenant, applicationId, updateApplicationUpdate, { changes }, actor, ids);
    },

    /** Submits a draft. Submitting again (a retry after a timeout) answers with where it stands. */
    async submit(tenant: Tenant, applicationId: string, actor: Actor, ids: IdSource) {
      const current = await get(tenant, applicationId);
      if (['SUBMITTED', 'PROCESSING', 'ACCOUNT_CREATED'].includes(current.status)) return current;
      return send(tenant, applicationId, submitApplicationUpdate, {}, actor, ids);
    },

    cancel(tenant: Tenant, applicationId: string, actor: Actor, ids: IdSource) {
      return send(tenant, applicationId, cancelApplicationUpdate, {}, actor, ids);
    },
  };

  /** The status of a run started before the status was a search attribute: asked of the run. */
  async function statusOf(applicationId: string): Promise<ApplicationStatus> {
    return (await handleOf(applicationId).query(getApplicationQuery)).status;
  }

  /**
   * Sends a caller's Update to the application, which answers only its own environment. When no
   * run takes it, one more call tells "not this environment's, or none" (404) from "has ended"
   * (409), so another environment never learns that an application id exists.
   */
  async function send<Arg>(
    tenant: Tenant,
    applicationId: string,
    update: UpdateDefinition<AccountApplicationView, [Arg & ApplicationCaller]>,
    arg: Arg,
    actor: Actor,
    ids: IdSource,
  ): Promise<AccountApplicationView> {
    const what = `application ${applicationId}`;
    try {
      return await executeMachineUpdate(
        handleOf(applicationId),
        update,
        { ...arg, by: actor.actor, environmentId: tenant.environmentId },
        what,
        { updateId: ids.operationId },
      );
    } catch (error) {
      if (
        !(error instanceof RunEnded) &&
        !(error instanceof DomainFailure && error.kind === 'NOT_FOUND')
      )
        throw error;
      await get(tenant, applicationId);
      throw new RunEnded(what);
    }
  }
}

export type ApplicationProcesses = ReturnType<typeof createApplicationProcesses>;

/** What a page token is good for: the environment and the filter of the list that made it. */
interface PageTokenScope {
  environmentId: string;
  filter: string;
}

/** An application as a list shows it, from the run's visibility record. */
interface ApplicationSummary {
  applicationId: string;
  status: ApplicationStatus;
  createdAt: Date;
  closedAt: Date | null;
}

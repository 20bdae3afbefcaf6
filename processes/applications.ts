import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { workflowIds } from '../common/temporal-names.js';
import {
  applicationAtStart,
  mergeChanges,
  type ApplicationChanges,
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
import { runOwnership } from './workflow-starts.js';
import type { Actor, Tenant } from '../services/tenant.js';
import { executeMachineUpdate, RunEnded } from './workflow-updates.js';

export interface ApplicationProcessDeps {
  temporal: Client;
  taskQueue: string;
  draftExpiresAfterMs: number;
  searchAttributes?: boolean;
}

/** Work-in-progress account applications, each one a workflow (id from the application id). */
export function createApplicationProcesses(deps: ApplicationProcessDeps) {
  const { temporal } = deps;
  const handleOf = (applicationId: string) =>
    temporal.workflow.getHandle(workflowIds.accountApplication(applicationId));

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
      try {
        await temporal.workflow.start<typeof accountApplication>('accountApplication', {
          workflowId: workflowIds.accountApplication(applicationId),
          taskQueue: deps.taskQueue,
          args: [start],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          ...runOwnership(deps, tenant),
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError)
          return get(tenant, applicationId);
        throw error;
      }
      // The run starts exactly so; its own view is a query away once a worker has taken it.
      return applicationView(
        start,
        applicationAtStart(data, { submit, at: startedAt, by: actor.actor }),
      );
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

import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { searchAttributes } from '../common/temporal-names.js';

/**
 * Starts a run whose memo names the operation starting it. If a run with that id exists, it is
 * this operation's own only when its memo names the same operation (a retry after a crash): that
 * run is adopted. Any other run is a conflict, rethrown as WorkflowExecutionAlreadyStartedError.
 */
export async function startOnce(
  temporal: Client,
  workflowId: string,
  operationId: string,
  start: (memo: { operationId: string }) => Promise<{ firstExecutionRunId: string }>,
): Promise<{ workflowId: string; runId: string }> {
  try {
    const handle = await start({ operationId });
    return { workflowId, runId: handle.firstExecutionRunId };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const existing = await temporal.workflow.getHandle(workflowId).describe();
    if ((existing.memo as { operationId?: unknown } | undefined)?.operationId !== operationId)
      throw error;
    return { workflowId, runId: existing.runId };
  }
}

/**
 * What marks a run as its owner's: the org (and environment) in its memo, which access checks read,
 * and as search attributes, which lists filter on, with any of the run's own. The time-skipping
 * test server has no custom search attributes, so there the run gets none.
 */
export function runOwnership(
  deps: { searchAttributes?: boolean },
  owner: { orgId: string; environmentId?: string },
  attributes: SearchAttributePair[] = [],
  memo: Record<string, unknown> = {},
): { memo: Record<string, unknown>; typedSearchAttributes: SearchAttributePair[] } {
  const ownerMemo = {
    orgId: owner.orgId,
    ...(owner.environmentId === undefined ? {} : { environmentId: owner.environmentId }),
  };
  return {
    memo: { ...ownerMemo, ...memo },
    typedSearchAttributes:
      deps.searchAttributes === false
        ? []
        : [
            { key: searchAttributes.orgId, value: owner.orgId },
            ...(owner.environmentId === undefined
              ? []
              : [{ key: searchAttributes.environmentId, value: owner.environmentId }]),
            ...attributes,
          ],
  };
}

/**
 * Whether a run belongs to whoever asks: its memo names the org, and a run inside one
 * environment is seen only with that environment's key (the operator sees every environment).
 */
export function runVisibleTo(
  scope: { orgId: string; environmentId?: string },
  memo: Record<string, unknown> | undefined,
): boolean {
  if (memo?.orgId !== scope.orgId) return false;
  return (
    memo.environmentId === undefined ||
    scope.environmentId === undefined ||
    memo.environmentId === scope.environmentId
  );
}

/**
 * The summary and details the Temporal Web UI shows for a run (`staticSummary`,
 * `staticDetails`): business facts only, such as an org's legal name, ids and card networks. Never
 * a customer's name or document number: the Web UI and Temporal's history are not the place for
 * personal data.
 */
export const runSummaries = {
  onboarding: (org: { id: string; legalName: string; networks: readonly string[] }) => ({
    staticSummary: `Onboarding · ${org.legalName}`,
    staticDetails: details({
      Org: `${org.legalName} (${org.id})`,
      Networks: org.networks.join(', '),
    }),
  }),
  certification: (org: { id: string; legalName: string }, network: string) => ({
    staticSummary: `Certification · ${network} · ${org.legalName}`,
    staticDetails: details({ Org: `${org.legalName} (${org.id})`, Network: network }),
  }),
  accountApplication: (applicationId: string) => ({
    staticSummary: `Account application ${applicationId}`,
  }),
  temporaryBlock: (accountId: string, until: Date) => ({
    staticSummary: `Temporary block · account ${accountId} until ${until.toISOString()}`,
    staticDetails: details({ Account: accountId, Until: until.toISOString() }),
  }),
  programMigration: (accountId: string, targetProgramId: string) => ({
    staticSummary: `Program migration · account ${accountId}`,
    staticDetails: details({ Account: accountId, 'Target program': targetProgramId }),
  }),
  /** Not the URL: a receiver's URL may carry a token of its own */
  webhookDelivery: (endpointId: string, environmentId: string) => ({
    staticSummary: `Webhook deliveries · endpoint ${endpointId}`,
    staticDetails: details({ Endpoint: endpointId, Environment: environmentId }),
  }),
  dailySnapshot: (orgId: string) => ({
    staticSummary: `Daily account snapshot · org ${orgId}`,
    staticDetails: details({ Org: orgId }),
  }),
};

/** Markdown the Web UI renders: one bold label per line. */
function details(facts: Record<string, string>): string {
  return Object.entries(facts)
    .map(([label, value]) => `**${label}:** ${value}`)
    .join('  \n');
}

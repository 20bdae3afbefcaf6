import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { DomainFailure } from '../common/failures.js';
import { searchAttributes, workflowIds } from '../common/temporal-names.js';
import { activeStages, initialOrgOnboardingSnapshot } from '../machines/org-onboarding.js';
import type { OnboardingSettings } from '../runtime/config.js';
import type { IdSource } from '../services/ids.js';
import type { NewOrg, OrgRecords, OrgWithEnvironments } from '../services/orgs.js';
import type { orgOnboarding } from '../workflows/org-onboarding.js';
import type { SnapshotSchedules } from './snapshot-schedules.js';
import type { WorkflowLink, WorkflowLinkFn } from './workflow-links.js';
import { runOwnership, runSummaries, startOnce } from './workflow-starts.js';

// An org's life as the database and Temporal see it together: created with its onboarding run
// and daily snapshot schedule, moved to another time zone with its schedule.

export interface OrgProcessDeps {
  temporal: Client;
  orgs: OrgRecords;
  snapshotSchedules: SnapshotSchedules;
  taskQueue: string;
  /** False where the Temporal server lacks the project's search attributes */
  searchAttributes?: boolean;
  onboarding: OnboardingSettings;
  workflowLink: WorkflowLinkFn;
}

export function createOrgProcesses(deps: OrgProcessDeps) {
  const { temporal, orgs, workflowLink } = deps;

  /**
   * Starts the org's onboarding. Its id is the org's, and a run that exists (running or ended)
   * is never replaced: a second start is refused (WorkflowExecutionAlreadyStartedError) and
   * starts nothing, unless that run was started by the same operation, which adopts it.
   */
  async function startOnboarding(
    org: Pick<OrgWithEnvironments, 'id' | 'legalName' | 'networks'>,
    operationId: string,
  ): Promise<WorkflowLink> {
    const workflowId = workflowIds.orgOnboarding(org.id);
    const run = await startOnce(temporal, workflowId, operationId, (memo) =>
      temporal.workflow.start<typeof orgOnboarding>('orgOnboarding', {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [
          {
            orgId: org.id,
            legalName: org.legalName,
            networks: org.networks,
            certification: deps.onboarding.certification,
            provisioningAttemptsPerStep: deps.onboarding.provisioningAttemptsPerStep,
          },
        ],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        ...runSummaries.onboarding(org),
        ...runOwnership(
          deps,
          { orgId: org.id },
          [
            {
              key: searchAttributes.stage,
              value: activeStages(initialOrgOnboardingSnapshot(org.id, org.networks)),
            },
          ],
          memo,
        ),
      }),
    );
    return workflowLink(run.workflowId, run.runId);
  }

  return {
    startOnboarding,

    /**
     * Stores the org with its test environment and a test API key, then creates its daily
     * snapshot schedule and starts its onboarding workflow. With ids derived from an
     * Idempotency-Key, running this again (after a crash) finds the org, the key and the run the
     * first attempt made and finishes what it did not. If Temporal refuses, the org is removed
     * again, so a failed request leaves nothing behind and a retry starts clean.
     */
    async create(input: NewOrg, ids: IdSource) {
      const { org, apiKey } = await orgs.create(input, ids);
      try {
        await deps.snapshotSchedules.create(org.id, input.timeZone);
        const onboarding = await startOnboarding(org, ids.operationId);
        return { org, apiKey, onboarding };
      } catch (error) {
        await deps.snapshotSchedules.delete(org.id).catch(() => undefined);
        await orgs.remove(org.id);
        throw new DomainFailure(
          'DEPENDENCY_UNAVAILABLE',
          `the org could not be created: Temporal refused to start its onboarding (${(error as Error).message})`,
        );
      }
    },

    /** Moves the org and its daily snapshot to another time zone; if Temporal refuses, nothing changes. */
    changeTimeZone(orgId: string, timeZone: string): Promise<OrgWithEnvironments> {
      return orgs.changeTimeZone(orgId, timeZone, () =>
        deps.snapshotSchedules.moveTo(orgId, timeZone),
      );
    },
  };
}

export type OrgProcesses = ReturnType<typeof createOrgProcesses>;

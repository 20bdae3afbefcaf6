import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  defineUpdate,
  patched,
  proxyActivities,
} from '@temporalio/workflow';
import type {
  ApplicationActivities,
  ApplicationOutcome,
} from '../activities/application-activities.js';
import {
  accountApplicationMachine,
  applicationAtStart,
  applicationRefusal,
  applicationStatus,
  draftExpiresAt,
  endRecordedByRun,
  type AccountApplicationSnapshot,
  type ApplicationChanges,
  type ApplicationData,
  type ApplicationStatus,
} from '../machines/account-application.js';
import type { FailureType } from '../common/failures.js';
import { searchAttributes } from '../common/temporal-names.js';
import { hostMachine } from './machine-host.js';

export interface AccountApplicationInput {
  applicationId: string;
  orgId: string;
  environmentId: string;
  data: ApplicationData;
  submit: boolean;
  by: string;
  /** How long a draft may stay untouched before it expires */
  draftExpiresAfterMs: number;
}

export interface AccountApplicationView {
  applicationId: string;
  orgId: string;
  environmentId: string;
  status: ApplicationStatus;
  data: ApplicationData;
  accountId: string | null;
  rejectionReasons: string[];
  /** When an untouched draft expires */
  expiresAt: string | null;
  history: { event: string; at: string; by: string }[];
}

export const getApplicationQuery = defineQuery<AccountApplicationView>('getApplication');
/** Who sends an Update: the actor, and the environment whose key it came with */
export interface ApplicationCaller {
  by: string;
  /** Checked against the application's own: another environment's caller gets NOT_FOUND */
  environmentId?: string;
}

export const updateApplicationUpdate = defineUpdate<
  AccountApplicationView,
  [{ changes: ApplicationChanges } & ApplicationCaller]
>('updateApplication');
export const submitApplicationUpdate = defineUpdate<AccountApplicationView, [ApplicationCaller]>(
  'submitApplication',
);
export const cancelApplicationUpdate = defineUpdate<AccountApplicationView, [ApplicationCaller]>(
  'cancelApplication',
);

const activities = proxyActivities<ApplicationActivities>({
  // Each step is a few database statements; a worker that dies mid-step has it made again by
  // another within this
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** What the run answers: the application as its machine has it. */
export function applicationView(
  input: Omit<AccountApplicationInput, 'data' | 'submit' | 'by'>,
  snapshot: AccountApplicationSnapshot,
): AccountApplicationView {
  const expiresAt = draftExpiresAt(snapshot, input.draftExpiresAfterMs);
  return {
    applicationId: input.applicationId,
    orgId: input.orgId,
    environmentId: input.environmentId,
    status: applicationStatus(snapshot),
    data: snapshot.context.data,
    accountId: snapshot.context.accountId,
    rejectionReasons: snapshot.context.rejectionReasons,
    expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
    history: snapshot.context.history,
  };
}

export async function accountApplication(
  input: AccountApplicationInput,
): Promise<AccountApplicationView> {
  const now = () => new Date().toISOString();
  const host = hostMachine({
    machine: accountApplicationMachine,
    snapshot: applicationAtStart(input.data, { submit: input.submit, at: now(), by: input.by }),
    query: getApplicationQuery,
    view: (snapshot) => applicationView(input, snapshot),
    // The status as the run's Stage, so applications can be listed by status; runs recorded
    // before this was added have no marker for the patch and replay without the upserts.
    searchAttributes: (snapshot) =>
      patched('application-status-search-attribute')
        ? [{ key: searchAttributes.stage, value: [applicationStatus(snapshot)] }]
        : [],
    refusal: applicationRefusal,
  });
  // An application answers only callers of its own environment; to others it does not exist.
  const sameEnvironment = ({ environmentId }: ApplicationCaller) => {
    if (environmentId !== undefined && environmentId !== input.environmentId)
      throw ApplicationFailure.create({
        type: 'NOT_FOUND' satisfies FailureType,
        message: `application ${input.applicationId} was not found`,
        nonRetryable: true,
      });
  };
  host.accept(
    updateApplicationUpdate,
    ({ changes, by }, at) => ({ type: 'UPDATE', changes, at, by }),
    sameEnvironment,
  );
  host.accept(
    submitApplicationUpdate,
    ({ by }, at) => ({ type: 'SUBMIT', at, by }),
    sameEnvironment,
  );
  host.accept(
    cancelApplicationUpdate,
    ({ by }, at) => ({ type: 'CANCEL', at, by }),
    sameEnvironment,
  );

  while (host.snapshot.status !== 'done') {
    const status = applicationStatus(host.snapshot);
    if (status === 'DRAFT') {
      const touched = host.snapshot.context.touchedAt;
      const expiresAt = draftExpiresAt(host.snapshot, input.draftExpiresAfterMs) ?? Date.now();
      const moved = await condition(
        () =>
          applicationStatus(host.snapshot) !== 'DRAFT' ||
          host.snapshot.context.touchedAt !== touched,
        Math.max(1, expiresAt - Date.now()),
      );
      if (!moved) host.apply({ type: 'EXPIRE', at: now(), by: 'system' });
    } else if (status === 'SUBMITTED') {
      host.apply({ type: 'PROCESSING_STARTED', at: now(), by: 'system' });
      const outcome = await activities
        .processApplication({
          applicationId: input.applicationId,
          orgId: input.orgId,
          environmentId: input.environmentId,
          data: host.snapshot.context.data,
        })
        .catch((error: unknown): ApplicationOutcome & { unprocessed?: true } => {
          // Data the database can never take (or a failure that outlived its retries) rejects the
          // application with the reason, instead of leaving it PROCESSING.
          if (!(error instanceof ActivityFailure)) throw error;
          return {
            reasons: [
              `the application could not be processed: ${error.cause?.message ?? error.message}`,
            ],
            unprocessed: true,
          };
        });
      // The activity records its own outcomes; a rejection it could not make is recorded here.
      // Runs recorded before this have no marker for the patch and replay without it.
      if ('unprocessed' in outcome && patched('application-rejection-event')) {
        await activities.recordApplicationRejected({
          applicationId: input.applicationId,
          orgId: input.orgId,
          environmentId: input.environmentId,
          reasons: outcome.reasons,
        });
      }
      host.apply(
        outcome.accountId
          ? { type: 'ACCOUNT_CREATED', accountId: outcome.accountId, at: now(), by: 'system' }
          : { type: 'REJECTED', reasons: outcome.reasons, at: now(), by: 'system' },
      );
    }
  }
  // A cancelled or expired application's event; runs recorded before this have no marker for the
  // patch and replay without it.
  if (endRecordedByRun(host.snapshot) && patched('application-end-event')) {
    await activities.recordApplicationEnded({
      applicationId: input.applicationId,
      orgId: input.orgId,
      environmentId: input.environmentId,
      status: applicationStatus(host.snapshot),
    });
  }
  return host.view();
}

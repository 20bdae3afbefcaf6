import {
  ActivityFailure,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import { initialTransition, transition } from 'xstate';
import type {
  ApplicationActivities,
  ApplicationOutcome,
} from '../activities/application-activities.js';
import {
  accountApplicationMachine,
  applicationStatus,
  changesProblem,
  missingForSubmit,
  type AccountApplicationSnapshot,
  type ApplicationChanges,
  type ApplicationData,
  type ApplicationEvent,
  type ApplicationStatus,
} from '../machines/account-application.js';
import { transitionNotAllowed } from './refusal.js';

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
export const updateApplicationUpdate = defineUpdate<
  AccountApplicationView,
  [{ changes: ApplicationChanges; by: string }]
>('updateApplication');
export const submitApplicationUpdate = defineUpdate<AccountApplicationView, [{ by: string }]>(
  'submitApplication',
);
export const cancelApplicationUpdate = defineUpdate<AccountApplicationView, [{ by: string }]>(
  'cancelApplication',
);

const activities = proxyActivities<ApplicationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

function refuse(snapshot: AccountApplicationSnapshot, message: string): never {
  throw transitionNotAllowed(message, { currentStatus: applicationStatus(snapshot) });
}

export async function accountApplication(
  input: AccountApplicationInput,
): Promise<AccountApplicationView> {
  let [snapshot] = initialTransition(accountApplicationMachine, { data: input.data });
  let lastTouched = Date.now();

  const apply = (event: ApplicationEvent) => {
    [snapshot] = transition(accountApplicationMachine, snapshot, event);
  };
  const now = () => new Date().toISOString();
  const view = (): AccountApplicationView => ({
    applicationId: input.applicationId,
    orgId: input.orgId,
    environmentId: input.environmentId,
    status: applicationStatus(snapshot),
    data: snapshot.context.data,
    accountId: snapshot.context.accountId,
    rejectionReasons: snapshot.context.rejectionReasons,
    expiresAt:
      applicationStatus(snapshot) === 'DRAFT'
        ? new Date(lastTouched + input.draftExpiresAfterMs).toISOString()
        : null,
    history: snapshot.context.history,
  });
  const requireDraft = (action: string) => {
    if (applicationStatus(snapshot) !== 'DRAFT')
      refuse(snapshot, `a ${applicationStatus(snapshot)} application cannot be ${action}`);
  };

  setHandler(getApplicationQuery, view);
  setHandler(
    updateApplicationUpdate,
    ({ changes, by }) => {
      apply({ type: 'UPDATE', changes, at: now(), by });
      lastTouched = Date.now();
      return view();
    },
    {
      validator: ({ changes }: { changes: ApplicationChanges }) => {
        requireDraft('updated');
        const problem = changesProblem(snapshot.context.data, changes);
        if (problem) refuse(snapshot, problem);
      },
    },
  );
  setHandler(
    submitApplicationUpdate,
    ({ by }) => {
      apply({ type: 'SUBMIT', at: now(), by });
      return view();
    },
    {
      validator: (_: { by: string }) => {
        requireDraft('submitted');
        const missing = missingForSubmit(snapshot.context.data);
        if (missing.length > 0) refuse(snapshot, `the application lacks ${missing.join(' and ')}`);
      },
    },
  );
  setHandler(
    cancelApplicationUpdate,
    ({ by }) => {
      apply({ type: 'CANCEL', at: now(), by });
      return view();
    },
    { validator: (_: { by: string }) => requireDraft('cancelled') },
  );

  if (input.submit) apply({ type: 'SUBMIT', at: now(), by: input.by });

  while (snapshot.status !== 'done') {
    const status = applicationStatus(snapshot);
    if (status === 'DRAFT') {
      const touched = lastTouched;
      const moved = await condition(
        () => applicationStatus(snapshot) !== 'DRAFT' || lastTouched !== touched,
        Math.max(1, touched + input.draftExpiresAfterMs - Date.now()),
      );
      if (!moved) apply({ type: 'EXPIRE', at: now(), by: 'system' });
    } else if (status === 'SUBMITTED') {
      apply({ type: 'PROCESSING_STARTED', at: now(), by: 'system' });
      const outcome = await activities
        .processApplication({
          applicationId: input.applicationId,
          orgId: input.orgId,
          environmentId: input.environmentId,
          data: snapshot.context.data,
        })
        .catch((error: unknown): ApplicationOutcome => {
          // Data the database can never take (or a failure that outlived its retries) rejects the
          // application with the reason, instead of leaving it PROCESSING.
          if (!(error instanceof ActivityFailure)) throw error;
          return {
            reasons: [
              `the application could not be processed: ${error.cause?.message ?? error.message}`,
            ],
          };
        });
      apply(
        outcome.accountId
          ? { type: 'ACCOUNT_CREATED', accountId: outcome.accountId, at: now(), by: 'system' }
          : { type: 'REJECTED', reasons: outcome.reasons, at: now(), by: 'system' },
      );
    }
  }
  return view();
}

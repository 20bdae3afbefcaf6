import {
  ActivityFailure,
  continueAsNew,
  proxyActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhook-activities.js';
import { webhookWaitQueue } from '../common/temporal-names.js';

// One endpoint's deliveries, for as long as the endpoint exists: ask what is due (the activity
// waits for it, planning new events as they are written), attempt each due delivery (different
// subjects at once; a subject's next only after its previous), and again. Retries, backoff and
// disabling are the deliveries' own records (services/webhook-deliveries.ts), so a worker killed
// mid-attempt loses nothing: the attempt's activity runs again, and the receiver dedupes by
// webhook-id. The run never fails: a step that cannot run now is tried again a little later.

export interface WebhookEndpointDeliveryInput {
  endpointId: string;
}

/** The endpoint's wait for work, on the task queue of the waits next to the run's own */
const waitingFrom = (taskQueue: string) =>
  proxyActivities<WebhookActivities>({
    taskQueue: webhookWaitQueue(taskQueue),
    // The activity waits up to a minute for work, heartbeating; a dead worker is noticed in 10 s
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '10 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

/** How soon an attempt whose worker died is noticed: the sending activity's heartbeat timeout */
export const SENDING_HEARTBEAT_TIMEOUT_MS = 5_000;
/** How soon after a failed or lost attempt its activity runs again (the first retry) */
export const SENDING_FIRST_RETRY_MS = 1_000;

const sending = proxyActivities<WebhookActivities>({
  // The receiver's own timeout (at most a minute) plus recording the outcome; the activity
  // heartbeats while it waits for the receiver
  startToCloseTimeout: '90 seconds',
  heartbeatTimeout: SENDING_HEARTBEAT_TIMEOUT_MS,
  retry: {
    initialInterval: SENDING_FIRST_RETRY_MS,
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
  },
});

/** A step whose activity failed for good is tried again after this. */
const AFTER_FAILURE = '30 seconds';

export async function webhookEndpointDelivery(input: WebhookEndpointDeliveryInput): Promise<void> {
  const waiting = waitingFrom(workflowInfo().taskQueue);
  for (;;) {
    try {
      const work = await waiting.nextWebhookWork({ endpointId: input.endpointId });
      if (work.state === 'deleted') return;
      if (work.state === 'enabled') {
        await Promise.all(
          work.due.map((deliveryId) => sending.attemptWebhookDelivery({ deliveryId })),
        );
      }
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      await sleep(AFTER_FAILURE);
    }
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof webhookEndpointDelivery>(input);
    }
  }
}

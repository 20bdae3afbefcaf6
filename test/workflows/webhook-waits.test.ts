import protos from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_WAIT_MS } from '../../activities/webhook-activities.js';
import { workflowIds } from '../../common/temporal-names.js';
import type { accountApplication } from '../../workflows/account-application.js';
import {
  createOrgWithKey,
  eventually,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

// Every webhook endpoint's delivery process waits for work in an activity that lasts up to
// WEBHOOK_WAIT_MS. With more endpoints than a worker has activity slots, those waits held every
// slot, and every other activity (an application's steps, a delivery's attempt) queued until a
// wait ended: found by `npm run load` with 100 orgs of one endpoint each, where an application
// took seconds and a webhook up to 40 s. The waits run on a queue of their own.

const SLOTS = 2;
const { PENDING_ACTIVITY_STATE_STARTED } = protos.temporal.api.enums.v1.PendingActivityState;

let product: TestProduct;
let receiver: WebhookReceiver;

beforeAll(async () => {
  product = await startTestProduct(undefined, { WORKER_MAX_CONCURRENT_ACTIVITIES: String(SLOTS) });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await product?.stop();
});

describe('webhook endpoints waiting for work', () => {
  it('leave the activity slots of the task queue to the other activities', async () => {
    const waiting = await createOrgWithKey(product.http, 'Waiting Endpoints Bank', ['VISA']);
    const applying = await createOrgWithKey(product.http, 'Applying Bank', ['VISA']);
    const program = await product.http('POST', '/v1/programs', {
      key: applying.key,
      json: { name: 'Gold', type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
    });
    expect(program.status).toBe(201);

    // More endpoints than slots, in an org that writes nothing more: their waits never end early
    const endpoints: string[] = [];
    for (let i = 0; i <= SLOTS; i++) {
      const endpoint = await product.http('POST', '/v1/webhook-endpoints', {
        key: waiting.key,
        json: { url: receiver.url },
      });
      expect(endpoint.status).toBe(201);
      endpoints.push(endpoint.body.id as string);
    }
    const startedWaits = async () => {
      let started = 0;
      for (const id of endpoints) {
        const { raw } = await product.temporal.workflow
          .getHandle(workflowIds.webhookEndpointDelivery(id))
          .describe();
        started += (raw.pendingActivities ?? []).filter(
          (activity) => activity.state === PENDING_ACTIVITY_STATE_STARTED,
        ).length;
      }
      return started;
    };
    // As many waits as there are slots have begun (all of them, with a queue of their own)
    await eventually(async () => ((await startedWaits()) >= SLOTS ? true : undefined));
    const waitsBegan = Date.now();

    const application = await product.http('POST', '/v1/account-applications', {
      key: applying.key,
      json: {
        programId: program.body.id,
        applicant: { person: { name: 'Ana Lima', documentNumber: '111.222.333-44' } },
        submit: true,
      },
    });
    expect(application.status).toBe(201);
    const result = product.temporal.workflow
      .getHandle<typeof accountApplication>(
        workflowIds.accountApplication(application.body.id as string),
      )
      .result();
    // Its steps run while the waits go on: before any of them has ended and freed a slot
    const deadline = new Promise<'a wait ended first'>((resolve) =>
      setTimeout(() => resolve('a wait ended first'), WEBHOOK_WAIT_MS - (Date.now() - waitsBegan)),
    );
    const outcome = await Promise.race([result.then((r) => r.status), deadline]);
    expect(outcome).toBe('ACCOUNT_CREATED');
    // And every endpoint waits at once, however few the slots
    await eventually(async () => ((await startedWaits()) === SLOTS + 1 ? true : undefined));
  }, 180_000);
});

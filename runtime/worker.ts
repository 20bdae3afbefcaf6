import { Worker, type NativeConnection, type State, type WorkerOptions } from '@temporalio/worker';
import { webhookWaitQueue } from '../common/temporal-names.js';

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: WorkerOptions['activities'];
  /** The workflow code, bundled (runtime/workflow-bundle.ts) */
  workflowBundlePath: string;
  /** Activities run at once from the task queue (Temporal's default: 100) */
  maxConcurrentActivities?: number;
  /** Webhook endpoints waited for at once, on the queue of the waits */
  maxWaitingEndpoints?: number;
}

/** The product's worker: its task queue's, and the webhook endpoints' waits on a queue of their own. */
export interface ProductWorker {
  /** Runs both until shutdown; rejects if either fails */
  run(): Promise<void>;
  shutdown(): void;
  getState(): State;
}

export async function createWorker(setup: WorkerSetup): Promise<ProductWorker> {
  const { connection, namespace, taskQueue, activities, workflowBundlePath } = setup;
  const main = await Worker.create({
    connection,
    namespace,
    taskQueue,
    activities,
    workflowBundle: { codePath: workflowBundlePath },
    maxConcurrentActivityTaskExecutions: setup.maxConcurrentActivities,
  });
  // Activities only: a wait is a heartbeat and a query every WEBHOOK_POLL_MS, so thousands fit
  const waits = await Worker.create({
    connection,
    namespace,
    taskQueue: webhookWaitQueue(taskQueue),
    activities,
    maxConcurrentActivityTaskExecutions: setup.maxWaitingEndpoints,
  });
  const workers = [main, waits];
  return {
    async run() {
      // One failing stops the other, so the process does not go on with half a worker
      const runs = await Promise.allSettled(
        workers.map((worker) =>
          worker.run().catch((error: unknown) => {
            for (const other of workers) stop(other);
            throw error;
          }),
        ),
      );
      const failed = runs.find((run) => run.status === 'rejected');
      if (failed) throw failed.reason;
    },
    shutdown() {
      for (const worker of workers) stop(worker);
    },
    getState: () => main.getState(),
  };
}

function stop(worker: Worker): void {
  if (worker.getState() === 'RUNNING') worker.shutdown();
}

import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: WorkerOptions['activities'];
  /** The workflow code, bundled (runtime/workflow-bundle.ts) */
  workflowBundlePath: string;
}

export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  const { connection, namespace, taskQueue, activities, workflowBundlePath } = setup;
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    activities,
    workflowBundle: { codePath: workflowBundlePath },
  });
}

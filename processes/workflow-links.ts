// Where a workflow run can be watched: the Temporal Web UI, and the product's own page that draws
// the run on its machine.

export interface WorkflowLink {
  workflowId: string;
  runId?: string;
  /** The run in the Temporal Web UI */
  uiUrl?: string;
  /** The run drawn on its machine, with its steps */
  page: string;
}

export function workflowLinks(deps: { namespace: string; temporalUiUrl?: string }) {
  return function workflowLink(workflowId: string, runId?: string): WorkflowLink {
    const base = deps.temporalUiUrl;
    const path = `/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
    return {
      workflowId,
      ...(runId ? { runId } : {}),
      ...(base ? { uiUrl: `${base}${path}${runId ? `/${runId}/history` : ''}` } : {}),
      page: `/ui/workflows/${encodeURIComponent(workflowId)}`,
    };
  };
}

export type WorkflowLinkFn = ReturnType<typeof workflowLinks>;

/** The org environment a request acts in; every org-scoped query filters by it. */
export interface Tenant {
  orgId: string;
  environmentId: string;
}

/** Who did something, for audit rows: an API key, the operator, or "system". */
export interface Actor {
  actor: string;
  requestId?: string;
}

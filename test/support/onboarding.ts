import { OPERATOR_KEY, eventually, type HttpClient } from './harness.js';

// Drives an org's onboarding over HTTP as an operator would.

export interface OnboardingEvent {
  type: string;
  network?: string;
  environment?: string;
  notes?: string;
}

export interface Overview {
  stage: string;
  stages: string[];
  done: boolean;
  processes: {
    process: string;
    network?: string;
    environment?: string;
    stage: string;
    done: boolean;
    workflow?: { workflowId: string };
    details?: Record<string, any>;
  }[];
  allowedEvents: OnboardingEvent[];
  history: {
    event: string;
    process?: string;
    network?: string;
    from: string;
    to: string;
    by: string;
    notes?: string;
  }[];
  workflow: { workflowId: string; runId?: string };
}

/** What the event route answers: the run that took the event, as it stands after it. */
export interface EventAnswer {
  run: 'orgOnboarding' | 'networkCertification' | 'environmentProvisioning';
  workflow: { workflowId: string; page: string };
  state: Record<string, any> & { stage: string; history: Overview['history'] };
}

export function onboardingClient(http: HttpClient) {
  async function get(orgId: string): Promise<Overview> {
    const response = await http<Overview>('GET', `/v1/orgs/${orgId}/onboarding`, {
      key: OPERATOR_KEY,
    });
    if (response.status !== 200)
      throw new Error(
        `onboarding of ${orgId}: ${response.status} ${JSON.stringify(response.body)}`,
      );
    return response.body;
  }

  async function send(orgId: string, event: OnboardingEvent): Promise<EventAnswer> {
    const response = await http<EventAnswer>('POST', `/v1/orgs/${orgId}/onboarding/events`, {
      key: OPERATOR_KEY,
      json: event,
    });
    if (response.status !== 200)
      throw new Error(`${event.type}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  function stageOf(overview: Overview, process: string, which?: string): string | undefined {
    return overview.processes.find(
      (p) =>
        p.process === process &&
        (which === undefined || p.network === which || p.environment === which),
    )?.stage;
  }

  function waitFor(
    orgId: string,
    predicate: (overview: Overview) => boolean,
    timeoutMs?: number,
  ): Promise<Overview> {
    return eventually(async () => {
      const overview = await get(orgId);
      return predicate(overview) ? overview : undefined;
    }, timeoutMs);
  }

  /** Both environments verified (as the org's own run has seen) and every certification waiting for its kickoff. */
  function waitForEnvironments(orgId: string): Promise<Overview> {
    return waitFor(
      orgId,
      (o) =>
        o.stages.includes('productionEnvironment.ready') &&
        o.processes
          .filter((p) => p.process === 'certification')
          .every((p) => p.stage === 'kickoff'),
    );
  }

  async function certify(orgId: string, network: string): Promise<void> {
    for (const type of ['KICKOFF_HELD', 'TEST_PLAN_AGREED', 'RESULTS_SUBMITTED', 'CERTIFIED'])
      await send(orgId, { type, network, notes: `${network} ${type.toLowerCase()}` });
  }

  /** Every human step, in an order the rules allow, until the org is activating or live. */
  async function complete(orgId: string, networks: string[]): Promise<void> {
    await waitForEnvironments(orgId);
    await send(orgId, { type: 'SERVICE_DESK_ACCESS_GRANTED', notes: 'ticket SD-1' });
    for (const network of networks) await certify(orgId, network);
    await send(orgId, { type: 'CONTROL_CENTER_ACCESS_GRANTED', notes: '3 users' });
  }

  return { get, send, stageOf, waitFor, waitForEnvironments, certify, complete };
}

import type { Processes } from '../../processes/index.js';
import type { OnboardingProcessView } from '../../processes/onboarding.js';
import type { Services } from '../../services/index.js';
import type { Caller } from '../auth.js';
import type { MachineGraph } from '../diagrams/machine-graph.js';
import { machineTitles } from '../diagrams/describe-states.js';
import { machineSvg } from '../diagrams/render.js';
import { Problem } from '../problem.js';
import { cellHtml, timeCell, valueCell, type Cell } from './cells.js';
import { html, raw, type Html } from './html.js';
import { countryLocale, formatMoney } from './money.js';

// The pages that show something live on its machine: an account's status, and a run (an org's
// onboarding, one of its environments or certifications, an account application). Each is read
// once into a LiveView; the page draws it, and `/live` beside the page answers the same view as
// JSON, which /ui/assets/diagram.js polls to move the highlight and refresh facts and steps.

/** One step a run's machine took, as the run's view records it. */
export interface RunStep {
  at: string;
  event: string;
  from: string;
  to: string;
  by: string;
  notes?: string;
}

export interface LiveDeps {
  services: Services;
  processes: Processes;
}

interface LiveView {
  title: string;
  machineId: string;
  /** The states it is in now (several in a parallel machine) */
  current: string[];
  /** The org's IANA time zone: every time on the page is shown in it */
  timeZone: string;
  facts: [string, Cell][];
  table: { heading: string; columns: string[]; rows: Cell[][]; empty: string };
  /** Where the page polls for this view */
  live: string;
  /** What it shows is at this version: parts of the page drawn at another are fetched anew */
  version?: string;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

interface Step {
  at: string;
  what: string;
  from: string;
  to: string;
  by: string;
  notes: string;
}

async function org(deps: LiveDeps, orgId: string) {
  const found = await deps.services.orgs.get(orgId);
  if (!found) throw Problem.notFound(`org ${orgId}`);
  return found;
}

/** The steps table: times in the org's zone, actors by name. */
async function stepsTable(
  deps: LiveDeps,
  orgId: string,
  timeZone: string,
  steps: Step[],
): Promise<LiveView['table']> {
  const names = await deps.services.actorNames.name(
    orgId,
    steps.map((s) => s.by),
  );
  return {
    heading: 'Steps',
    columns: [`When (${timeZone})`, 'Step', 'From → to', 'Who', 'Notes'],
    rows: steps.map((s) => [
      timeCell(s.at, timeZone),
      s.what,
      s.from || s.to ? `${s.from} → ${s.to}` : '',
      names.get(s.by) ?? s.by,
      s.notes,
    ]),
    empty: 'No steps yet.',
  };
}

function temporalFact(link: { workflowId: string; uiUrl?: string }): [string, Cell] {
  return [
    'Temporal Web UI',
    link.uiUrl
      ? {
          text: `${link.workflowId} in the Temporal Web UI`,
          href: link.uiUrl,
          testid: 'temporal-link',
        }
      : `${link.workflowId} (no Web UI configured)`,
  ];
}

/** A child run of an org's onboarding (an environment or a certification), from the onboarding overview. */
async function onboardingChild(
  deps: LiveDeps,
  caller: Caller,
  orgId: string,
  what: string,
  pick: (p: OnboardingProcessView) => boolean,
): Promise<Omit<LiveView, 'machineId' | 'live'> | undefined> {
  if (caller.kind === 'org' && caller.orgId !== orgId) return undefined;
  const [overview, owner] = await Promise.all([
    deps.processes.onboarding.getOnboarding(orgId),
    deps.services.orgs.get(orgId),
  ]);
  const process = overview?.processes.find(pick);
  if (!overview || !owner || !process?.workflow) return undefined;
  const { timeZone } = owner;
  const details = process.details ?? {};
  const history = (details.history ?? []) as RunStep[];
  return {
    title: `${what} of ${owner.legalName}`,
    current: [process.stage],
    timeZone,
    facts: [
      ['Part of', { text: `Onboarding of ${owner.legalName}`, href: overview.workflow.page }],
      ['Stage', process.stage],
      ['Done', process.done ? 'yes' : 'no'],
      ...Object.entries(details)
        .filter(([key]) => key !== 'history')
        .map(([key, value]): [string, Cell] => [key, valueCell(value, timeZone)]),
      [
        'Operator events accepted now',
        overview.allowedEvents
          .filter((e) => (e.environment ?? e.network) === (process.environment ?? process.network))
          .map((e) => e.type)
          .join(', ') || 'none',
      ],
      ['Time zone', timeZone],
      temporalFact(process.workflow),
    ],
    table: await stepsTable(
      deps,
      orgId,
      timeZone,
      history.map((step) => ({ ...step, what: step.event, notes: step.notes ?? '' })),
    ),
  };
}

/** Workflow runs the pages can draw: how to recognise them and read their state. */
const drawableWorkflows: {
  pattern: RegExp;
  machineId: string;
  load(
    deps: LiveDeps,
    match: string[],
    caller: Caller,
  ): Promise<Omit<LiveView, 'machineId' | 'live'> | undefined>;
}[] = [
  {
    pattern: new RegExp(`^org-onboarding-(${UUID})$`),
    machineId: 'orgOnboarding',
    async load(deps, [, orgId], caller) {
      if (!orgId || (caller.kind === 'org' && caller.orgId !== orgId)) return undefined;
      const [overview, owner] = await Promise.all([
        deps.processes.onboarding.getOnboarding(orgId),
        deps.services.orgs.get(orgId),
      ]);
      if (!overview || !owner) return undefined;
      const { timeZone } = owner;
      return {
        title: `Onboarding of ${owner.legalName}`,
        current: overview.stages.map((stage) =>
          overview.stage === 'onboarding' ? `onboarding.${stage}` : stage,
        ),
        timeZone,
        facts: [
          ['Stage', overview.stage],
          ...overview.processes.map((p): [string, Cell] => [
            [p.process, p.network ?? p.environment].filter(Boolean).join(' '),
            p.workflow ? { text: `${p.stage} (run)`, href: p.workflow.page } : p.stage,
          ]),
          ['Waiting for', overview.waitingFor.join('; ') || '—'],
          ['Done', overview.done ? 'yes' : 'no'],
          [
            'Operator events accepted now',
            overview.allowedEvents
              .map((e) => [e.type, e.network ?? e.environment].filter(Boolean).join(' '))
              .join(', ') || 'none',
          ],
          ['Time zone', timeZone],
          temporalFact(overview.workflow),
        ],
        table: await stepsTable(
          deps,
          orgId,
          timeZone,
          overview.history.map((step) => {
            const where = [step.process, step.network].filter(Boolean).join(' ');
            return {
              at: step.at,
              what: step.event,
              from: where ? `${where}: ${step.from}` : step.from,
              to: step.to,
              by: step.by,
              notes: step.notes ?? '',
            };
          }),
        ),
      };
    },
  },
  {
    pattern: new RegExp(`^environment-provisioning-(${UUID})-(test|production)$`),
    machineId: 'environmentProvisioning',
    load: (deps, [, orgId, kind], caller) =>
      onboardingChild(
        deps,
        caller,
        orgId!,
        `${kind!.toUpperCase()} environment`,
        (p) => p.environment === kind!.toUpperCase(),
      ),
  },
  {
    pattern: new RegExp(`^network-certification-(${UUID})-(visa|mastercard)$`),
    machineId: 'networkCertification',
    load: (deps, [, orgId, network], caller) =>
      onboardingChild(
        deps,
        caller,
        orgId!,
        `${network!.toUpperCase()} certification`,
        (p) => p.network === network!.toUpperCase(),
      ),
  },
  {
    pattern: new RegExp(`^account-application-(${UUID})$`),
    machineId: 'accountApplication',
    async load(deps, [, applicationId], caller) {
      if (caller.kind !== 'org' || !applicationId) return undefined;
      const [view, owner] = await Promise.all([
        deps.processes.applications.get(
          { orgId: caller.orgId, environmentId: caller.environmentId },
          applicationId,
        ),
        org(deps, caller.orgId),
      ]);
      const { timeZone } = owner;
      const link = deps.processes.workflowLink(`account-application-${applicationId}`);
      return {
        title: `Account application ${applicationId}`,
        current: [view.status],
        timeZone,
        facts: [
          ['Status', view.status],
          [
            'Account',
            view.accountId ? { text: view.accountId, href: `/ui/accounts/${view.accountId}` } : '—',
          ],
          ['Rejection reasons', view.rejectionReasons.join('; ') || '—'],
          ['Draft expires at', timeCell(view.expiresAt, timeZone)],
          ['Time zone', timeZone],
          temporalFact(link),
        ],
        table: await stepsTable(
          deps,
          caller.orgId,
          timeZone,
          view.history.map((step) => ({
            at: step.at,
            what: step.event,
            from: '',
            to: '',
            by: step.by,
            notes: '',
          })),
        ),
      };
    },
  },
];

/** A run on its machine, or undefined when no page draws it or the caller may not see it. */
export async function workflowView(
  deps: LiveDeps,
  caller: Caller,
  workflowId: string,
): Promise<LiveView | undefined> {
  const kind = drawableWorkflows.find((w) => w.pattern.test(workflowId));
  if (!kind) return undefined;
  const view = await kind.load(deps, kind.pattern.exec(workflowId) ?? [], caller);
  return (
    view && {
      ...view,
      machineId: kind.machineId,
      live: `/ui/workflows/${encodeURIComponent(workflowId)}/live`,
    }
  );
}

/** An account's status on the status machine, with its history. */
export async function accountView(
  deps: LiveDeps,
  caller: Caller,
  accountId: string,
): Promise<LiveView> {
  if (caller.kind !== 'org')
    throw new Problem('FORBIDDEN', 'accounts are seen with an org API key');
  const tenant = { orgId: caller.orgId, environmentId: caller.environmentId };
  if (!/^[0-9a-f-]{36}$/i.test(accountId)) throw Problem.notFound(`account ${accountId}`);
  const [account, history, owner] = await Promise.all([
    deps.services.accounts.get(tenant, accountId),
    deps.services.accountHistory.statusChanges(tenant, accountId, { limit: 200 }),
    org(deps, caller.orgId),
  ]);
  const { timeZone } = owner;
  const names = await deps.services.actorNames.name(
    caller.orgId,
    history.map((row) => row.actor),
  );
  return {
    title: `Account ${account.id}`,
    machineId: 'accountStatus',
    current: [account.status],
    timeZone,
    facts: [
      ['Status', account.status],
      [
        'Reason',
        account.statusReason
          ? `${account.statusReason.code}: ${account.statusReason.description}`
          : '—',
      ],
      ['Blocked until', timeCell(account.blockedUntil, timeZone)],
      ['Balance', formatMoney(account.balance, account.currency, countryLocale(owner.country))],
      ['Version', String(account.version)],
      ['Time zone', timeZone],
    ],
    table: {
      heading: 'History',
      columns: [`When (${timeZone})`, 'Change', 'Reason', 'Description', 'Who'],
      rows: history.map((row) => [
        timeCell(row.createdAt, timeZone),
        `${row.fromStatus} → ${row.toStatus}${row.kind === 'CHANGE' ? '' : ` (${row.kind.toLowerCase().replace('_', ' ')}${row.restoredChangeId === null ? '' : ', restored as it was'})`}`,
        row.reason?.code ?? '',
        row.description ?? '',
        names.get(row.actor) ?? row.actor,
      ]),
      empty: 'No status changes yet.',
    },
    live: `/ui/accounts/${encodeURIComponent(account.id)}/live`,
    version: String(account.version),
  };
}

/** What the page polls: only what changes. */
export function liveState(view: LiveView) {
  return {
    current: view.current,
    facts: view.facts,
    rows: view.table.rows,
    version: view.version,
  };
}

/** A diagram in its scroll container, at its natural size; /ui/assets/diagram.js adds zoom. */
export async function diagramFrame(
  graph: MachineGraph,
  options: { current?: string[]; title: string },
): Promise<Html> {
  return html`<div class="diagram" tabindex="0" role="region" aria-label="${options.title} diagram">${raw(await machineSvg(graph, options))}</div>`;
}

export async function livePageBody(view: LiveView, graph: MachineGraph): Promise<Html> {
  const title = machineTitles[graph.id] ?? graph.id;
  return html`<div data-live="${view.live}">
    <h1>${view.title}</h1>
    <section><dl class="facts">${view.facts.map(([key, value]) => html`<dt>${key}</dt><dd data-fact="${key}">${cellHtml(value)}</dd>`)}</dl>
    <p class="live-status" aria-live="polite"></p></section>
    <section class="diagram-frame">${await diagramFrame(graph, { current: view.current, title })}</section>
    <section><h2>${view.table.heading}</h2><table class="timeline"><thead><tr>${view.table.columns.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody>
    ${view.table.rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cellHtml(cell)}</td>`)}</tr>`)}
    </tbody></table><p class="empty"${view.table.rows.length > 0 ? ' hidden' : ''}>${view.table.empty}</p></section>
  </div>`;
}

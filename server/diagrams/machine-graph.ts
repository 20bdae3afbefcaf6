import type { AnyStateMachine, AnyStateNode } from 'xstate';

// A machine definition read as a graph: its states, the compound states that group them (a
// parallel state and each of its regions), and every transition with its event and guard. Read
// from the definition itself, so the diagram follows the machine.

interface StateVertex {
  /** The state's path, e.g. `onboarding.serviceDesk.awaitingAccess` */
  id: string;
  /** Its own name, e.g. `awaitingAccess` (the boxes around it say where it is) */
  label: string;
  /** The compound state it sits in, if any */
  parent?: string;
  /** Lines under the state's name: what the state allows or does (from its meta) */
  details: string[];
  /** Final: an XState final state, or one whose meta says no ordinary transition leaves it */
  final: boolean;
  /** The state its parent (or the machine) starts in; a region of a parallel state is never initial, all start at once */
  initial: boolean;
}

/** A state with states inside: drawn as a labelled box around them. */
interface CompoundVertex {
  id: string;
  label: string;
  parent?: string;
  /** Its regions all run at once */
  parallel: boolean;
  /** One region of a parallel state */
  region: boolean;
  initial: boolean;
}

interface TransitionEdge {
  id: string;
  /** A state or a compound state (a transition of the compound state as a whole) */
  source: string;
  /** A state, or a compound state (entered at its initial state, or every region's) */
  target: string;
  event: string;
  guard?: string;
}

export interface MachineGraph {
  id: string;
  states: StateVertex[];
  compounds: CompoundVertex[];
  transitions: TransitionEdge[];
}

// A transition of a compound state leaves from its box, as in a statechart; one whose target is a
// compound state points at the box, whose initial states (one per region) carry the start dot.
export function machineGraph(
  machine: AnyStateMachine,
  details: (meta: unknown) => string[] = () => [],
): MachineGraph {
  const root = machine.root;
  const nameOf = (node: AnyStateNode) => node.path.join('.');
  const parentOf = (node: AnyStateNode) =>
    node.parent && node.parent !== root ? nameOf(node.parent) : undefined;
  const isInitial = (node: AnyStateNode) =>
    node.parent?.type !== 'parallel' &&
    (node.parent?.initial?.target ?? []).some((t: AnyStateNode) => t === node);
  const nodes = allNodes(root);
  const states = nodes.filter(isLeaf).map((node): StateVertex => {
    const meta = node.meta as { final?: boolean } | undefined;
    const parent = parentOf(node);
    return {
      id: nameOf(node),
      label: node.key,
      ...(parent ? { parent } : {}),
      details: details(meta),
      final: node.type === 'final' || meta?.final === true,
      initial: isInitial(node),
    };
  });
  const compounds = nodes
    .filter((node) => !isLeaf(node))
    .map((node): CompoundVertex => {
      const parent = parentOf(node);
      return {
        id: nameOf(node),
        label: node.key,
        ...(parent ? { parent } : {}),
        parallel: node.type === 'parallel',
        region: node.parent?.type === 'parallel',
        initial: isInitial(node),
      };
    });
  const transitions: TransitionEdge[] = [];
  for (const node of nodes) {
    const definitions = [...node.transitions].flatMap(([event, list]) =>
      list.map((definition) => ({ event, definition })),
    );
    const always = (node.always ?? []).map((definition) => ({ event: 'always', definition }));
    for (const { event, definition } of [...definitions, ...always]) {
      const done = event.startsWith('xstate.done.state.');
      const targets: readonly AnyStateNode[] = definition.target ?? [node];
      for (const target of targets) {
        transitions.push({
          id: `t${transitions.length}`,
          source: nameOf(node),
          target: nameOf(target),
          event: done ? `done: ${node.key}` : event,
          ...(definition.guard ? { guard: guardName(definition.guard) } : {}),
        });
      }
    }
  }
  return { id: machine.id, states, compounds, transitions };
}

function isLeaf(node: AnyStateNode): boolean {
  return Object.keys(node.states).length === 0;
}

/** Every state below the root (the root's own transitions are self-transitions, not drawn). */
function allNodes(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states).flatMap((child: AnyStateNode) => [child, ...allNodes(child)]);
}

function guardName(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (guard && typeof guard === 'object' && 'type' in guard) return String(guard.type);
  return 'guard';
}

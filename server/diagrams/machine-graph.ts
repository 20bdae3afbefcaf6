import type { AnyStateMachine, AnyStateNode } from 'xstate';

// A machine definition read as a graph: its states, its initial state, and every transition
// with its event and guard. Read from the definition itself, so the diagram follows the machine.

interface StateVertex {
  id: string;
  /** Lines under the state's name: what the state allows or does (from its meta) */
  details: string[];
  /** Final: an XState final state, or one whose meta says no ordinary transition leaves it */
  final: boolean;
  initial: boolean;
}

interface TransitionEdge {
  id: string;
  source: string;
  target: string;
  event: string;
  guard?: string;
}

export interface MachineGraph {
  id: string;
  states: StateVertex[];
  transitions: TransitionEdge[];
}

// Nested and parallel machines are drawn by their leaf states, each named by its path
// (`onboarding.serviceDesk.awaitingAccess`); a transition of a compound state leaves from its
// leaves, and one into a compound state enters its initial leaves.
export function machineGraph(
  machine: AnyStateMachine,
  details: (meta: unknown) => string[] = () => [],
): MachineGraph {
  const root = machine.root;
  const nameOf = (node: AnyStateNode) => node.path.join('.');
  const initial = new Set(initialLeaves(root).map(nameOf));
  const states = allNodes(root)
    .filter(isLeaf)
    .map((node): StateVertex => {
      const meta = node.meta as { final?: boolean } | undefined;
      const id = nameOf(node);
      return {
        id,
        details: details(meta),
        final: node.type === 'final' || meta?.final === true,
        initial: initial.has(id),
      };
    });
  const transitions: TransitionEdge[] = [];
  for (const node of allNodes(root)) {
    const definitions = [...node.transitions].flatMap(([event, list]) =>
      list.map((definition) => ({ event, definition })),
    );
    const always = (node.always ?? []).map((definition) => ({ event: 'always', definition }));
    for (const { event, definition } of [...definitions, ...always]) {
      const done = event.startsWith('xstate.done.state.');
      const sources = isLeaf(node)
        ? [node]
        : leaves(node).filter((leaf) => !done || leaf.type === 'final');
      const targets = (definition.target ?? [node]).flatMap((target: AnyStateNode) =>
        initialLeaves(target),
      );
      for (const source of sources) {
        for (const target of targets) {
          transitions.push({
            id: `t${transitions.length}`,
            source: nameOf(source),
            target: nameOf(target),
            event: done ? `done: ${node.key}` : event,
            ...(definition.guard ? { guard: guardName(definition.guard) } : {}),
          });
        }
      }
    }
  }
  return { id: machine.id, states, transitions };
}

function isLeaf(node: AnyStateNode): boolean {
  return Object.keys(node.states).length === 0;
}

/** Every state below the root (the root's own transitions are self-transitions, not drawn). */
function allNodes(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states).flatMap((child: AnyStateNode) => [child, ...allNodes(child)]);
}

function leaves(node: AnyStateNode): AnyStateNode[] {
  return isLeaf(node)
    ? [node]
    : Object.values(node.states).flatMap((child: AnyStateNode) => leaves(child));
}

/** The leaves a machine is in on entering `node`: every region's initial leaf for a parallel state. */
function initialLeaves(node: AnyStateNode): AnyStateNode[] {
  if (isLeaf(node)) return [node];
  if (node.type === 'parallel')
    return Object.values(node.states).flatMap((child: AnyStateNode) => initialLeaves(child));
  return (node.initial?.target ?? []).flatMap((child: AnyStateNode) => initialLeaves(child));
}

function guardName(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (guard && typeof guard === 'object' && 'type' in guard) return String(guard.type);
  return 'guard';
}

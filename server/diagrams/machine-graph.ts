import type { AnyStateMachine, AnyStateNode } from 'xstate';

// A machine definition read as a graph: its states, its initial state, and every transition
// with its event and guard. Read from the definition itself, so the diagram follows the machine.

export interface StateVertex {
  id: string;
  /** Lines under the state's name: what the state allows or does (from its meta) */
  details: string[];
  /** Final: an XState final state, or one whose meta says no ordinary transition leaves it */
  final: boolean;
  initial: boolean;
}

export interface TransitionEdge {
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

export function machineGraph(machine: AnyStateMachine, details: (meta: unknown) => string[] = () => []): MachineGraph {
  const root = machine.root;
  const initial = new Set((root.initial?.target ?? []).map((node: AnyStateNode) => node.key));
  const states = Object.values(root.states).map((node: AnyStateNode): StateVertex => {
    const meta = node.meta as { final?: boolean } | undefined;
    return { id: node.key, details: details(meta), final: node.type === 'final' || meta?.final === true, initial: initial.has(node.key) };
  });
  const transitions: TransitionEdge[] = [];
  for (const node of Object.values(root.states)) {
    for (const [event, definitions] of node.transitions) {
      for (const definition of definitions) {
        for (const target of definition.target ?? [node]) {
          transitions.push({
            id: `t${transitions.length}`,
            source: node.key,
            target: target.key,
            event,
            ...(definition.guard ? { guard: guardName(definition.guard) } : {}),
          });
        }
      }
    }
  }
  return { id: machine.id, states, transitions };
}

function guardName(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (guard && typeof guard === 'object' && 'type' in guard) return String((guard).type);
  return 'guard';
}

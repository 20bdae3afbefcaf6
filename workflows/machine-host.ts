import {
  ApplicationFailure,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { QueryDefinition, SearchAttributePair, UpdateDefinition } from '@temporalio/common';
import {
  transition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type EventFromLogic,
  type SnapshotFrom,
} from 'xstate';
import type { FailureType } from '../common/failures.js';
import { searchAttributes } from '../common/temporal-names.js';

// What every workflow that hosts a machine does the same way: keep the machine's snapshot, apply
// events to it, answer a query with its view, take people's events as Updates the machine
// validates with its own can(), and keep search attributes in step with it. Each workflow adds
// only what is special about its process: the activities it runs, its timers, its children.

/** Why the machine refuses an event now: the message and details of the 409 the caller sees. */
interface Refusal {
  message: string;
  details: Record<string, unknown>;
}

export interface MachineHostOptions<Machine extends AnyStateMachine, View> {
  machine: Machine;
  /** Where the run starts: the machine's initial state, or one carried across continue-as-new */
  snapshot: SnapshotFrom<Machine>;
  query: QueryDefinition<View>;
  view: (snapshot: SnapshotFrom<Machine>) => View;
  /** Search attributes that follow the machine, upserted after every event */
  searchAttributes?: (snapshot: SnapshotFrom<Machine>) => SearchAttributePair[];
  refusal: (snapshot: SnapshotFrom<Machine>, event: EventFromLogic<Machine>) => Refusal;
}

export interface MachineHost<Machine extends AnyStateMachine, View> {
  readonly snapshot: SnapshotFrom<Machine>;
  /** How many events the machine has taken: a condition waits for it to change */
  readonly version: number;
  apply: (event: EventFromLogic<Machine>) => void;
  view: () => View;
  /**
   * Takes an Update whose validator is the machine's can(): a refused event never reaches the
   * history; an accepted one is applied and answered with the view. `admit` runs first and
   * throws for a caller the run does not answer at all (another environment's, say).
   */
  accept<Input>(
    update: UpdateDefinition<View, [Input]>,
    toEvent: (input: Input, at: string) => EventFromLogic<Machine>,
    admit?: (input: Input) => void,
  ): void;
}

/** What an Update validator throws when the machine does not allow the event now (HTTP 409). */
function transitionNotAllowed(refusal: Refusal): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'TRANSITION_NOT_ALLOWED' satisfies FailureType,
    message: refusal.message,
    details: [refusal.details],
    nonRetryable: true,
  });
}

/**
 * Whether this run has the project's search attributes: runs get them only where the server has
 * them registered (not on the time-skipping test server), and upserting an unknown one, or
 * starting a child with it, would fail every workflow task.
 */
export function runHasSearchAttributes(): boolean {
  return workflowInfo().typedSearchAttributes.get(searchAttributes.orgId) !== undefined;
}

export function hostMachine<Machine extends AnyStateMachine, View>(
  options: MachineHostOptions<Machine, View>,
): MachineHost<Machine, View> {
  let snapshot = options.snapshot;
  let version = 0;
  const indexed = runHasSearchAttributes();
  const now = () => new Date().toISOString();
  const view = () => options.view(snapshot);

  const apply = (event: EventFromLogic<Machine>): void => {
    [snapshot] = transition(options.machine, snapshot, event);
    version += 1;
    if (indexed && options.searchAttributes) {
      const pairs = options.searchAttributes(snapshot);
      if (pairs.length > 0) upsertSearchAttributes(pairs);
    }
  };

  setHandler(options.query, view);

  return {
    get snapshot() {
      return snapshot;
    },
    get version() {
      return version;
    },
    apply,
    view,
    accept<Input>(
      update: UpdateDefinition<View, [Input]>,
      toEvent: (input: Input, at: string) => EventFromLogic<Machine>,
      admit?: (input: Input) => void,
    ) {
      setHandler(
        update,
        (input: Input) => {
          apply(toEvent(input, now()));
          return view();
        },
        {
          validator: (input: Input) => {
            admit?.(input);
            const event = toEvent(input, now());
            if (!(snapshot as AnyMachineSnapshot).can(event))
              throw transitionNotAllowed(options.refusal(snapshot, event));
          },
        },
      );
    },
  };
}

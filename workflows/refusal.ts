import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { FailureType } from '../common/failures.js';

/** What an Update validator throws when the machine does not allow the event now (HTTP 409). */
export function transitionNotAllowed(
  message: string,
  details: Record<string, unknown>,
): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'TRANSITION_NOT_ALLOWED' satisfies FailureType,
    message,
    details: [details],
    nonRetryable: true,
  });
}

/**
 * Takes people's events as an Update whose validator is the machine's own "is this allowed now":
 * a refused event never reaches the history; an accepted one is applied and answered with the view.
 */
export function handleMachineEvents<Event, View>(
  update: UpdateDefinition<View, [Event]>,
  machine: {
    allowed: (event: Event) => boolean;
    refusal: (event: Event) => { message: string; details: Record<string, unknown> };
    apply: (event: Event) => void;
    view: () => View;
  },
): void {
  setHandler(
    update,
    (event: Event) => {
      machine.apply(event);
      return machine.view();
    },
    {
      validator: (event: Event) => {
        if (machine.allowed(event)) return;
        const { message, details } = machine.refusal(event);
        throw transitionNotAllowed(message, details);
      },
    },
  );
}

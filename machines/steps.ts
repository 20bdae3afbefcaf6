// What every step of a long process records: when, who, and the evidence or notes given. The
// hosting workflow supplies the time and the actor inside each event, so machines stay pure.

export interface Stamp {
  /** ISO-8601 instant the step happened */
  at: string;
  /** Who made the step happen: an operator, an API key, or "system" */
  by: string;
  notes?: string;
}

/** An event as a person sends it: the hosting workflow stamps the time. */
export type Unstamped<Event extends Stamp> = Event extends unknown ? Omit<Event, 'at'> : never;

export interface Step<Event extends string, Stage extends string> extends Stamp {
  event: Event;
  from: Stage;
  to: Stage;
}

/** The history entry for `event` moving the process from one stage to another. */
export function stepOf<Event extends string, Stage extends string>(
  event: Stamp & { type: Event },
  from: Stage,
  to: Stage,
): Step<Event, Stage> {
  return {
    event: event.type,
    from,
    to,
    at: event.at,
    by: event.by,
    ...(event.notes === undefined ? {} : { notes: event.notes }),
  };
}

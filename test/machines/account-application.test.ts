import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import {
  accountApplicationMachine,
  applicationRefusal,
  applicationStatus,
  draftExpiresAt,
  mergeChanges,
  missingForSubmit,
  type ApplicationEvent,
  type ApplicationStatus,
} from '../../machines/account-application.js';

const stamp = { at: '2026-01-01T00:00:00.000Z', by: 'test' };
const ana = {
  person: {
    name: 'Ana',
    documentNumber: 'DOC-1',
    addresses: [
      { type: 'RESIDENTIAL' as const, line1: 'A', city: 'C', postalCode: '1', country: 'BR' },
    ],
  },
};
const complete = { programId: 'program-1', applicant: ana, additionalCustomers: [] };

const events: ApplicationEvent[] = [
  { type: 'UPDATE', changes: { programId: 'program-2' }, ...stamp },
  { type: 'SUBMIT', ...stamp },
  { type: 'CANCEL', ...stamp },
  { type: 'EXPIRE', ...stamp },
  { type: 'PROCESSING_STARTED', ...stamp },
  { type: 'ACCOUNT_CREATED', accountId: 'account-1', ...stamp },
  { type: 'REJECTED', reasons: ['no'], ...stamp },
];

// Which event moves which status where, written down apart from the machine.
const rules: Record<
  ApplicationStatus,
  Partial<Record<ApplicationEvent['type'], ApplicationStatus>>
> = {
  DRAFT: { UPDATE: 'DRAFT', SUBMIT: 'SUBMITTED', CANCEL: 'CANCELLED', EXPIRE: 'EXPIRED' },
  SUBMITTED: { PROCESSING_STARTED: 'PROCESSING' },
  PROCESSING: { ACCOUNT_CREATED: 'ACCOUNT_CREATED', REJECTED: 'REJECTED' },
  ACCOUNT_CREATED: {},
  REJECTED: {},
  CANCELLED: {},
  EXPIRED: {},
};

describe('account application machine', () => {
  it('merges updates: scalars replace, addresses and additional customers append', () => {
    const merged = mergeChanges(complete, {
      applicant: {
        person: {
          name: 'Ana Maria',
          documentNumber: 'DOC-1',
          addresses: [{ type: 'MAILING', line1: 'B', city: 'C', postalCode: '2', country: 'BR' }],
        },
      },
      additionalCustomers: [{ company: { legalName: 'Co', documentNumber: 'CO-1' } }],
    });
    expect(merged.programId).toBe('program-1');
    expect('person' in merged.applicant! && merged.applicant.person.name).toBe('Ana Maria');
    expect(
      'person' in merged.applicant! && merged.applicant.person.addresses?.map((a) => a.line1),
    ).toEqual(['A', 'B']);
    expect(merged.additionalCustomers).toHaveLength(1);
  });

  it('will not submit without a program and an applicant, nor turn a person into a company', () => {
    expect(missingForSubmit({ additionalCustomers: [] })).toEqual(['programId', 'applicant']);
    let [snapshot] = initialTransition(accountApplicationMachine, {
      data: { applicant: ana, additionalCustomers: [] },
      at: stamp.at,
    });
    expect(snapshot.can({ type: 'SUBMIT', ...stamp })).toBe(false);
    expect(
      snapshot.can({
        type: 'UPDATE',
        changes: { applicant: { company: { legalName: 'X', documentNumber: 'X-1' } } },
        ...stamp,
      }),
    ).toBe(false);
    [snapshot] = transition(accountApplicationMachine, snapshot, {
      type: 'UPDATE',
      changes: { programId: 'p' },
      ...stamp,
    });
    expect(snapshot.can({ type: 'SUBMIT', ...stamp })).toBe(true);
  });

  it('says why it refuses an event, in words a caller can act on', () => {
    let [snapshot] = initialTransition(accountApplicationMachine, {
      data: { applicant: ana, additionalCustomers: [] },
      at: stamp.at,
    });
    expect(applicationRefusal(snapshot, { type: 'SUBMIT', ...stamp }).message).toBe(
      'the application lacks programId',
    );
    expect(
      applicationRefusal(snapshot, {
        type: 'UPDATE',
        changes: { applicant: { company: { legalName: 'X', documentNumber: 'X-1' } } },
        ...stamp,
      }).message,
    ).toBe('the applicant is a person; it cannot become a company');
    [snapshot] = transition(accountApplicationMachine, snapshot, { type: 'CANCEL', ...stamp });
    expect(applicationRefusal(snapshot, { type: 'SUBMIT', ...stamp })).toEqual({
      message: 'a CANCELLED application cannot be submitted',
      details: { currentStatus: 'CANCELLED' },
    });
  });

  it('expires a draft a set time after it was created or last updated, and nothing else', () => {
    const day = 24 * 3600 * 1000;
    let [snapshot] = initialTransition(accountApplicationMachine, {
      data: complete,
      at: '2026-01-01T00:00:00.000Z',
    });
    expect(draftExpiresAt(snapshot, 30 * day)).toBe(Date.parse('2026-01-31T00:00:00.000Z'));
    [snapshot] = transition(accountApplicationMachine, snapshot, {
      type: 'UPDATE',
      changes: { programId: 'p' },
      at: '2026-01-10T00:00:00.000Z',
      by: 'test',
    });
    expect(draftExpiresAt(snapshot, 30 * day)).toBe(Date.parse('2026-02-09T00:00:00.000Z'));
    [snapshot] = transition(accountApplicationMachine, snapshot, { type: 'SUBMIT', ...stamp });
    expect(draftExpiresAt(snapshot, 30 * day)).toBeNull();
  });

  it('every path follows the rules and ends where it should', () => {
    // States are told apart by status alone: an UPDATE keeps a draft a draft, whatever it changes.
    const paths = getSimplePaths(accountApplicationMachine, {
      events,
      input: { data: complete, at: stamp.at },
      serializeState: (snapshot) => JSON.stringify(snapshot.value),
    });
    const ends = new Set<string>();
    for (const path of paths) {
      let status: ApplicationStatus = 'DRAFT';
      for (const step of path.steps.slice(1)) {
        const expected = rules[status][step.event.type];
        expect(expected, `${step.event.type} from ${status}`).toBeDefined();
        status = applicationStatus(step.state);
        expect(status).toBe(expected);
      }
      expect(path.state.context.history.map((h) => h.event)).toEqual(
        path.steps.slice(1).map((s) => s.event.type),
      );
      if (path.state.status === 'done') ends.add(status);
      if (status === 'ACCOUNT_CREATED') expect(path.state.context.accountId).toBe('account-1');
      if (status === 'REJECTED') expect(path.state.context.rejectionReasons).toEqual(['no']);
    }
    expect([...ends].sort()).toEqual(['ACCOUNT_CREATED', 'CANCELLED', 'EXPIRED', 'REJECTED']);
  });
});

import { certificationEventType, type ProcessStepPayload } from '../common/events.js';
import type { Services } from '../services/index.js';

/** A step of a network certification's history, with its position there. */
export type CertificationStepToRecord = Omit<ProcessStepPayload, 'notes'> & {
  at: string;
  notes?: string;
};

export function createCertificationActivities(services: Services) {
  return {
    /**
     * Records a network certification's steps (milestones, reminders, the escalation, certified or
     * cancelled) as the org's events, each keyed by the certification's start and its position in
     * the history (carried across continue-as-new), so a retry writes none twice.
     */
    async recordCertificationSteps(input: {
      orgId: string;
      network: string;
      startedAt: string;
      steps: CertificationStepToRecord[];
    }): Promise<void> {
      const { orgId, network, startedAt } = input;
      await services.events.record(
        input.steps.map((step) => ({
          type: certificationEventType(step.event),
          key: `certification:${orgId}:${network}:${startedAt}:${step.index}`,
          orgId,
          environmentId: null,
          subjectType: 'certification' as const,
          subjectId: `${orgId}:${network}`,
          occurredAt: new Date(step.at),
          payload: {
            orgId,
            network,
            startedAt,
            index: step.index,
            event: step.event,
            from: step.from,
            to: step.to,
            by: step.by,
            ...(step.notes === undefined ? {} : { notes: step.notes }),
          },
        })),
      );
    },
  };
}

export type CertificationActivities = ReturnType<typeof createCertificationActivities>;

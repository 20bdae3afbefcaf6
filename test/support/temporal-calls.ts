import type { ClientInterceptors, WorkflowClientInterceptor } from '@temporalio/client';

/**
 * Client interceptors that record every workflow call the product's Temporal client makes (start,
 * signal, query, update, describe, terminate, cancel), by name, in `calls`.
 */
export function recordTemporalCalls(): { interceptors: ClientInterceptors; calls: string[] } {
  const calls: string[] = [];
  const workflow: WorkflowClientInterceptor = {
    start: (input, next) => (calls.push('start'), next(input)),
    startWithDetails: (input, next) => (calls.push('startWithDetails'), next(input)),
    startUpdate: (input, next) => (calls.push('startUpdate'), next(input)),
    startUpdateWithStart: (input, next) => (calls.push('startUpdateWithStart'), next(input)),
    signal: (input, next) => (calls.push('signal'), next(input)),
    signalWithStart: (input, next) => (calls.push('signalWithStart'), next(input)),
    query: (input, next) => (calls.push('query'), next(input)),
    describe: (input, next) => (calls.push('describe'), next(input)),
    terminate: (input, next) => (calls.push('terminate'), next(input)),
    cancel: (input, next) => (calls.push('cancel'), next(input)),
  };
  return { interceptors: { workflow: [workflow] }, calls };
}

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { failureTypes } from '../common/failures.js';
import type { Logger } from '../runtime/logger.js';
import type { Metrics } from './metrics.js';
import { problemTitle, problemTypeUri } from './problem.js';
import { pathOf, requestLog } from './request-log.js';
import { LIVENESS_BODY, readinessBody, type ReadinessAnswer } from './routes/health.js';

/**
 * Where every request arrives. It names, logs and times the request, answers the routes that need
 * neither a key, a body nor a query of their own (the liveness and readiness probes orchestrators
 * poll, and the problem type pages) itself, and hands everything else to the application. Those
 * are the most polled routes and the framework's routing is most of their cost.
 */
export function frontDoor(
  app: RequestListener,
  deps: { readiness: () => Promise<ReadinessAnswer>; metrics: Metrics; logger: Logger },
): RequestListener {
  const log = requestLog(deps.logger);
  const problemPages = new Map(
    failureTypes.map((type) => [problemTypeUri(type), Buffer.from(`${problemTitle(type)}\n`)]),
  );
  // One answer serves many requests while it is fresh; it is serialized once (without the
  // request id a problem body carries: the header has it).
  const serialized = new WeakMap<ReadinessAnswer, Buffer>();
  const readinessBytes = (answer: ReadinessAnswer) => {
    let bytes = serialized.get(answer);
    if (!bytes)
      serialized.set(
        answer,
        (bytes = Buffer.from(JSON.stringify(readinessBody(answer, '/readyz')))),
      );
    return bytes;
  };

  return (req, res) => {
    log(req, res);
    if (req.method === 'GET' || req.method === 'HEAD') {
      const path = pathOf(req);
      const page = problemPages.get(path);
      if (page) {
        deps.metrics.track(req, res, '/problems/:type');
        return send(req, res, 200, 'text/plain; charset=utf-8', page);
      }
      if (path === '/healthz') {
        deps.metrics.track(req, res, '/healthz');
        return send(req, res, 200, 'application/json; charset=utf-8', LIVENESS_BODY);
      }
      if (path === '/readyz') {
        deps.metrics.track(req, res, '/readyz');
        deps.readiness().then(
          (answer) =>
            send(
              req,
              res,
              answer.status,
              answer.status === 200
                ? 'application/json; charset=utf-8'
                : 'application/problem+json; charset=utf-8',
              readinessBytes(answer),
            ),
          () => app(req, res),
        );
        return;
      }
    }
    deps.metrics.track(req, res);
    app(req, res);
  };
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  body: Buffer,
): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

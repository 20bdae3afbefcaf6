import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { failureTypes } from '../common/failures.js';
import type { Logger } from '../runtime/logger.js';
import { problemTitle, problemTypeUri } from './problem.js';
import { pathOf, requestLog } from './request-log.js';
import type { HealthAnswer } from './routes/health.js';

/**
 * Where every request arrives. It names and logs the request, answers the two routes that need
 * neither a key, a body nor the database (the health probe orchestrators poll, and the problem
 * type pages) itself, and hands everything else to the application. Those two are the most polled
 * routes and the framework's routing is most of their cost.
 */
export function frontDoor(
  app: RequestListener,
  deps: { health: () => Promise<HealthAnswer>; logger: Logger },
): RequestListener {
  const log = requestLog(deps.logger);
  const problemPages = new Map(
    failureTypes.map((type) => [problemTypeUri(type), Buffer.from(`${problemTitle(type)}\n`)]),
  );
  // One answer serves many requests while it is fresh; it is serialized once.
  const serialized = new WeakMap<HealthAnswer, Buffer>();
  const healthBytes = (answer: HealthAnswer) => {
    let bytes = serialized.get(answer);
    if (!bytes) serialized.set(answer, (bytes = Buffer.from(JSON.stringify(answer.body))));
    return bytes;
  };

  return (req, res) => {
    log(req, res);
    if (req.method === 'GET' || req.method === 'HEAD') {
      const path = pathOf(req);
      const page = problemPages.get(path);
      if (page) return send(req, res, 200, 'text/plain; charset=utf-8', page);
      if (path === '/healthz') {
        deps.health().then(
          (answer) =>
            send(req, res, answer.status, 'application/json; charset=utf-8', healthBytes(answer)),
          () => app(req, res),
        );
        return;
      }
    }
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

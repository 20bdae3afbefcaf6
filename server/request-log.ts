import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../runtime/logger.js';

const REQUEST_ID = /^[\w.-]{1,100}$/;

/**
 * Names each request (a well-formed X-Request-Id the client sent, else a new UUID) and, when the
 * logger takes info, logs it once it is answered: method, path, status and duration. Nothing is
 * built per request at a quieter level; failures are logged where they are handled.
 */
export function requestLog(logger: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    if (logger.isLevelEnabled('info')) {
      const started = performance.now();
      res.once('finish', () =>
        logger.info(
          {
            requestId,
            method: req.method,
            path: pathOf(req),
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
          },
          'request',
        ),
      );
    }
  };
}

export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

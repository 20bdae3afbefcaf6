import { randomUUID } from 'node:crypto';
import {
  STATUS_CODES,
  maxHeaderSize,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { failureTypes } from '../common/failures.js';
import type { Logger } from '../runtime/logger.js';
import type { Metrics } from './metrics.js';
import {
  Problem,
  RETRY_AFTER_SECONDS,
  problemBody,
  problemTitle,
  problemTypeUri,
} from './problem.js';
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
          (answer) => {
            if (answer.status !== 200) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
            send(
              req,
              res,
              answer.status,
              answer.status === 200
                ? 'application/json; charset=utf-8'
                : 'application/problem+json; charset=utf-8',
              readinessBytes(answer),
            );
          },
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

/**
 * Answers what Node's HTTP parser refuses before any request exists (a header or request line over
 * its size limit, bytes that are no HTTP) as problem+json, as every other refusal is; Node's own
 * answer is a bare status line. The connection is closed after it.
 */
export function answerClientErrors(server: Server): void {
  server.on(
    'clientError',
    (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
      // A response already going out on the connection must not be corrupted by a second one
      const inFlight = (socket as { _httpMessage?: ServerResponse })._httpMessage;
      if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
        socket.destroy();
        return;
      }
      if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        // The client stopped sending its headers: nothing of it to answer
        socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
        return;
      }
      const problem =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? new Problem(
              'REQUEST_HEADERS_TOO_LARGE',
              `the request line and headers are larger than the ${maxHeaderSize} bytes the server takes; send a shorter query or fewer or smaller headers`,
            )
          : error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
            ? new Problem(
                'PAYLOAD_TOO_LARGE',
                'the chunk extensions of the request body are too large',
              )
            : Problem.validation([
                {
                  field: 'request',
                  rule: 'malformed_request',
                  message: 'is not a well-formed HTTP/1.1 request',
                },
              ]);
      const requestId = randomUUID();
      const body = Buffer.from(problemBody(problem, requestPath(error.rawPacket), requestId));
      socket.write(
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
          'Content-Type: application/problem+json; charset=utf-8\r\n' +
          `Content-Length: ${body.length}\r\nX-Request-Id: ${requestId}\r\n` +
          'Connection: close\r\n\r\n',
      );
      socket.end(body);
    },
  );
}

/** The path of the request line at the start of what the parser refused, if it has one. */
function requestPath(packet: Buffer | undefined): string {
  const line = packet?.subarray(0, 512).toString('latin1') ?? '';
  return /^[A-Z]+ (\/[!-~]*?)(?:[? ]|$)/.exec(line)?.[1]?.slice(0, 200) ?? '';
}

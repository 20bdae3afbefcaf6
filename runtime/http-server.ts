import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';

export interface HttpServer {
  port: number;
  /**
   * Stops taking connections and requests, lets the responses under way finish, and closes
   * whatever connection is still open after `drainMs`.
   */
  stop(): Promise<void>;
}

/**
 * Serves `listener` on host:port. On stop, a kept-alive connection carries no further request:
 * the response under way on it (or the next one, should a request arrive meanwhile) says
 * `Connection: close` and ends it, and idle connections are closed at once. Otherwise clients
 * that keep sending would hold the stop open for as long as they send.
 */
export async function serveHttp(
  listener: RequestListener,
  options: {
    host: string;
    port: number;
    drainMs: number;
    /** Sets the server up before it listens (how it answers a request it cannot parse) */
    prepare?: (server: Server) => void;
  },
): Promise<HttpServer> {
  let draining = false;
  const underWay = new Set<ServerResponse>();
  const closeWhenSent = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
    // Its headers said keep-alive already: the connection ends once the response is out
    else res.once('finish', () => res.req.socket.end());
  };
  const server = createServer((req, res) => {
    if (draining) closeWhenSent(res);
    else {
      underWay.add(res);
      res.once('close', () => underWay.delete(res));
    }
    listener(req, res);
  });
  options.prepare?.(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    async stop() {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const res of underWay) closeWhenSent(res);
      server.closeIdleConnections();
      const cutOff = setTimeout(() => server.closeAllConnections(), options.drainMs);
      await closed;
      clearTimeout(cutOff);
    },
  };
}

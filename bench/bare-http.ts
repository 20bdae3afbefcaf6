import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { spawnNode } from './lifecycle.js';

// The floor of an HTTP answer on this machine: a bare node:http server in a process of its own
// that answers fixed bytes, the same bytes the product answers on the same path.

interface FixedAnswer {
  contentType: string;
  body: Buffer;
}

const entry = fileURLToPath(import.meta.url);
const ROUTES_VARIABLE = 'BARE_HTTP_ROUTES';

/** Starts the bare server answering `routes` (path → answer); stopped with the bench. */
export async function startBareHttp(
  routes: Record<string, FixedAnswer>,
): Promise<{ baseUrl: string; stop: () => Promise<void> }> {
  const encoded = Object.fromEntries(
    Object.entries(routes).map(([route, answer]) => [
      route,
      { contentType: answer.contentType, body: answer.body.toString('base64') },
    ]),
  );
  const child = spawnNode(
    'the bare http server',
    entry,
    { PATH: process.env.PATH, [ROUTES_VARIABLE]: JSON.stringify(encoded) },
    { signal: 'SIGTERM', stopTimeoutMs: 5_000 },
  );
  try {
    const [, port] = await child.waitFor(/bare-http listening on (\d+)/, 30_000);
    return { baseUrl: `http://127.0.0.1:${port}`, stop: child.stop };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

function serve(): void {
  const routes = new Map(
    Object.entries(
      JSON.parse(process.env[ROUTES_VARIABLE] ?? '{}') as Record<
        string,
        { contentType: string; body: string }
      >,
    ).map(([route, answer]) => [
      route,
      { contentType: answer.contentType, body: Buffer.from(answer.body, 'base64') },
    ]),
  );
  const server = createServer((req, res) => {
    const answer = routes.get(req.url ?? '');
    if (!answer) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': answer.contentType,
      'content-length': answer.body.length,
    });
    res.end(answer.body);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    console.log(
      `bare-http listening on ${typeof address === 'object' && address ? address.port : 0}`,
    );
  });
  process.once('SIGTERM', () => process.exit(0));
}

if (process.argv[1] === entry) serve();

import net from 'node:net';

// Below Linux's ephemeral range (32768-60999): a port taken from that range can be handed to an
// outgoing connection as its local port before the server it was meant for binds it.
const LOWEST = 20_000;
const HIGHEST = 32_767;

/** A port on 127.0.0.1 nothing listens on now, outside the range outgoing connections use. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${HIGHEST} after 100 tries`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

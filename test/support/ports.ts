import { createServer } from 'node:net';

/**
 * Ports are picked below Linux's ephemeral range (32768–60999): the OS gives those to outgoing
 * connections, and a port the OS chose for a listener a moment ago can be taken by the next
 * connection any process opens before our server binds it (seen as EADDRINUSE on a busy machine).
 */
const FIRST = 20_000;
const LAST = 32_000;

/** A TCP port free a moment ago on every interface, picked at random so parallel suites differ. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port found between ${FIRST} and ${LAST}`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

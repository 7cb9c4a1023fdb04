/**
 * A loopback endpoint whose service starts on its first connection. The local S3 (s3rver in a
 * process of its own, seeded with 3,000 demo keys: seconds of CPU and thousands of files) stands
 * behind one, so `npm start --resume`, `npm run serve` and the console pay for it only when a
 * run reads S3. Bytes pass through unchanged: the Host header and the request signature are the
 * ones the client sent to this address.
 */
import { connect, createServer, type Socket } from 'node:net';

/** A service that listens at `url` until closed. */
export interface Endpoint {
  readonly url: string;
  close(): Promise<void>;
}

/** An endpoint that is listening now; `started` says whether its service has been asked for yet. */
export interface LazyEndpoint extends Endpoint {
  readonly started: boolean;
}

/**
 * Listens on a free loopback port now and calls `start` when the first connection arrives
 * (once; again after a start that failed, which is written to stderr with `name`).
 */
export async function startLazyEndpoint(name: string, start: () => Promise<Endpoint>): Promise<LazyEndpoint> {
  let service: Promise<Endpoint> | undefined;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    track(client);
    client.on('error', () => client.destroy());
    if (!service) {
      const starting = start();
      service = starting;
      starting.catch((error: unknown) => {
        if (service === starting) service = undefined;
        process.stderr.write(
          `${name} did not start: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      });
    }
    service.then(
      ({ url }) => {
        if (client.destroyed) return;
        const { hostname, port } = new URL(url);
        const upstream = connect(Number(port), hostname);
        track(upstream);
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
      },
      () => client.destroy(),
    );
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    get started() {
      return service !== undefined;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      const running = await service?.catch(() => undefined);
      await running?.close();
    },
  };
}

// A TCP forwarder a test can close and open: while closed it drops every connection it has and
// refuses new ones, so a client behind it sees an outage of exactly the length the test chooses.
// Used to make "events were written while the subscriber was away" certain instead of a race
// between two reconnect timers.
import { connect, createServer, type Socket } from 'node:net';

export interface TcpGate {
  /** The gate listens on 127.0.0.1:<port>. */
  readonly port: number;
  /** Drop every forwarded connection and refuse new ones until `open()`. */
  close(): void;
  open(): void;
  stop(): Promise<void>;
}

export async function startTcpGate(target: { host: string; port: number }): Promise<TcpGate> {
  let isOpen = true;
  const pairs = new Set<Socket>();
  const server = createServer((client) => {
    if (!isOpen) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    pairs.add(client);
    pairs.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(client);
      pairs.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp gate has no port');
  const close = (): void => {
    isOpen = false;
    for (const s of pairs) s.destroy();
    pairs.clear();
  };
  return {
    port: address.port,
    close,
    open() {
      isOpen = true;
    },
    async stop() {
      close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

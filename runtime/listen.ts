/**
 * Binding an HTTP server and closing it again, the same way for every
 * server the project starts (API, codec server, metrics, simulated model):
 * a bind error rejects instead of crashing the process, the URL is built
 * from the address actually bound (port 0 picks a free one; IPv6 hosts are
 * bracketed), and closing drops kept-alive connections so it never hangs.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  /** `http://host:port`, no trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listenHttp(server: Server, port: number, host: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const urlHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closed: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${addr.port}`,
    port: addr.port,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

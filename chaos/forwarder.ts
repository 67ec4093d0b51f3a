// A TCP forwarder with a fixed address in front of a service whose process (and port) changes: clients keep one
// URL while the service behind it is restarted. While "down" it refuses new connections and cuts open ones,
// exactly what clients see when the service's process dies.
import { connect, createServer, type Server, type Socket } from "node:net";
import { freePort } from "../test/support/services.js";

export interface Forwarder {
  readonly url: string;
  readonly port: number;
  /** Connections from now on go to `targetPort`. */
  retarget(targetPort: number): void;
  /** Cuts every open connection and refuses new ones until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startForwarder(targetPort: number): Promise<Forwarder> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let target = targetPort;
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const created = createServer((client) => {
        const upstream = connect(target, "127.0.0.1");
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      created.once("error", reject);
      created.listen(port, "127.0.0.1", () => {
        server = created;
        resolve();
      });
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      const closing = server;
      server = undefined;
      if (!closing) return resolve();
      closing.close(() => resolve());
    });
  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    retarget(next) {
      target = next;
    },
    down,
    up: () => (server ? Promise.resolve() : listen()),
    close: down,
  };
}

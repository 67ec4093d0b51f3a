// A TCP proxy in front of a private service, to take it "down" and bring it back with its state intact (moto
// keeps secrets in memory, so stopping the process itself would lose what the test wants to check afterwards).
import { createServer, connect, type Server, type Socket } from "node:net";
import { freePort } from "./services.js";

export interface TcpProxy {
  url: string;
  /** Refuses new connections and cuts open ones: to clients the service is down. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(targetPort, "127.0.0.1");
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    start,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (!server) return resolve();
        server.close(() => resolve());
      }),
  };
}

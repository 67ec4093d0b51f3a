import { Registry, Counter } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { startHttpServer, type RunningHttpServer } from "../../src/daemon/http-server.js";
import { silentLogger } from "../../src/log.js";

let server: RunningHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(ready: () => Promise<boolean>) {
  const registry = new Registry();
  new Counter({ name: "probe_total", help: "a probe", registers: [registry] }).inc(3);
  server = await startHttpServer({ host: "127.0.0.1", port: 0, registry, ready, log: silentLogger });
  return server;
}

describe("daemon HTTP endpoint", () => {
  it("answers /healthz, /metrics in Prometheus format, and 404 elsewhere", async () => {
    const { url } = await start(async () => true);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    expect(await metrics.text()).toContain("probe_total 3");
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`, { method: "POST" })).status).toBe(405);
  });

  it("answers /readyz 200 while Redis is reachable and 503 when not, or when the probe throws", async () => {
    let state: "up" | "down" | "broken" = "up";
    const { url } = await start(async () => {
      if (state === "broken") throw new Error("ECONNREFUSED");
      return state === "up";
    });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    state = "down";
    const down = await fetch(`${url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.text()).toContain("redis");
    state = "broken";
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
  });

  it("binds the configured host only", async () => {
    const { url, port } = await start(async () => true);
    expect(url).toBe(`http://127.0.0.1:${port}`);
  });
});

// Starts the private services every test file shares, and stops them afterwards. A missing binary fails the
// run with install instructions: a skipped integration test would hide a missing service.
import "vitest";
import type { TestProject } from "vitest/node";
import { ensureFreshBuild } from "./build-freshness.js";
import { startMotoServer, startRedisServer, type LocalService } from "./support/services.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    motoUrl: string;
  }
}

let services: LocalService[] = [];

export async function setup(project: TestProject): Promise<void> {
  ensureFreshBuild();
  const [redis, moto] = await Promise.all([startRedisServer(), startMotoServer()]);
  services = [redis, moto];
  project.provide("redisUrl", redis.url);
  project.provide("motoUrl", moto.url);
}

export async function teardown(): Promise<void> {
  await Promise.all(services.map((service) => service.stop()));
}

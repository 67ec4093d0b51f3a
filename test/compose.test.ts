// docker-compose.yml must agree with the configs it ships with: the service names, ports and environment
// variables the configs name. Docker itself is not needed: the files are parsed and cross-checked.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseSeed } from "../src/cam/simulator/seed.js";
import { loadConfigFile, type Config } from "../src/config/index.js";

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
}

const compose = parse(readFileSync("docker-compose.yml", "utf8")) as { services: Record<string, Service> };
const services = compose.services;
const example = loadConfigFile("config.example.yaml", {});
const inCompose = loadConfigFile("compose/config.yaml", {});

/** "127.0.0.1:5055:5000" -> { host: 5055, container: 5000, bind: "127.0.0.1" } */
function ports(service: Service) {
  return (service.ports ?? []).map((spec) => {
    const parts = spec.split(":");
    return {
      bind: parts.length === 3 ? parts[0] : "0.0.0.0",
      host: Number(parts.at(-2)),
      container: Number(parts.at(-1)),
    };
  });
}

/** The host path mounted at `target`, or undefined. */
function mountOf(service: Service, target: string): string | undefined {
  return service.volumes?.map((volume) => volume.split(":")).find((parts) => parts[1] === target)?.[0];
}

function argAfter(service: Service, flag: string): string | undefined {
  const index = service.command?.indexOf(flag) ?? -1;
  return index < 0 ? undefined : service.command?.[index + 1];
}

function credentialEnvNames(config: Config): string[] {
  return config.accounts.flatMap((account) => [account.credentials.secretIdEnv, account.credentials.secretKeyEnv]);
}

describe("docker-compose.yml", () => {
  it("has the four services, with cam-sim and worker built from the project's Dockerfile", () => {
    expect(Object.keys(services).sort()).toEqual(["cam-sim", "moto", "redis", "worker"]);
    expect(services.moto!.image).toMatch(/^motoserver\/moto:/);
    for (const name of ["cam-sim", "worker"]) expect(services[name]!.build).toBe(".");
    expect(services.worker!.command).toEqual(["worker"]);
    expect(services["cam-sim"]!.command?.[0]).toBe("cam-sim");
  });

  it("runs Redis with AOF on and noeviction", () => {
    const command = services.redis!.command!.join(" ");
    expect(command).toContain("--appendonly yes");
    expect(command).toContain("--maxmemory-policy noeviction");
  });

  it("publishes on loopback exactly the ports config.example.yaml points at", () => {
    const published = (name: string) => ports(services[name]!)[0]!;
    for (const name of ["redis", "moto", "cam-sim", "worker"]) expect(published(name).bind).toBe("127.0.0.1");
    expect(published("redis").host).toBe(Number(new URL(example.redis.url).port));
    expect(example.vault.type).toBe("aws-secrets-manager");
    if (example.vault.type !== "aws-secrets-manager") return;
    expect(published("moto").host).toBe(Number(new URL(example.vault.endpoint!).port));
    expect(published("cam-sim").host).toBe(Number(new URL(example.accounts[0]!.endpoint!).port));
    expect(published("worker").host).toBe(example.http.port);
  });

  it("gives the worker a config that reaches the other services by name and container port", () => {
    const worker = services.worker!;
    const env = worker.environment!;
    expect(mountOf(worker, env.CAM_ROTATOR_CONFIG!)).toBe("./compose/config.yaml");
    const redisUrl = new URL(env.REDIS_URL!);
    expect(redisUrl.hostname).toBe("redis");
    expect(Number(redisUrl.port)).toBe(ports(services.redis!)[0]!.container);
    expect(inCompose.redis.url).toBe(env.REDIS_URL);
    expect(inCompose.vault.type).toBe("aws-secrets-manager");
    if (inCompose.vault.type !== "aws-secrets-manager") return;
    const moto = new URL(inCompose.vault.endpoint!);
    expect(moto.hostname).toBe("moto");
    expect(Number(moto.port)).toBe(ports(services.moto!)[0]!.container);
    const cam = new URL(inCompose.accounts[0]!.endpoint!);
    expect(cam.hostname).toBe("cam-sim");
    expect(cam.port).toBe(argAfter(services["cam-sim"]!, "--port"));
    expect(Number(cam.port)).toBe(ports(services["cam-sim"]!)[0]!.container);
    expect(argAfter(services["cam-sim"]!, "--host")).toBe("0.0.0.0");
    expect(inCompose.http.host).toBe("0.0.0.0");
    expect(inCompose.http.port).toBe(ports(worker)[0]!.container);
    expect(Object.keys(worker.depends_on ?? {}).sort()).toEqual(["cam-sim", "moto", "redis"]);
  });

  it("sets every credential variable both configs name, defaulting to the simulator seed's admin key", () => {
    const env = services.worker!.environment!;
    expect(credentialEnvNames(inCompose)).toEqual(credentialEnvNames(example));
    const seedPath = mountOf(services["cam-sim"]!, argAfter(services["cam-sim"]!, "--seed")!);
    expect(seedPath).toBe("./compose/sim-seed.json");
    const seed = parseSeed(JSON.parse(readFileSync(seedPath!, "utf8")), seedPath);
    const admin = seed.accounts[0]!.users.find((user) => user.admin)!;
    const defaultOf = (name: string) => /^\$\{[A-Z_]+:-(.*)\}$/.exec(env[name] ?? "")?.[1];
    const [idEnv, keyEnv] = credentialEnvNames(inCompose);
    expect(defaultOf(idEnv!)).toBe(admin.keys[0]!.accessKeyId);
    expect(defaultOf(keyEnv!)).toBe(admin.keys[0]!.secretAccessKey);
    // Every configured user exists in the seed, so the stack rotates out of the box.
    const seeded = new Set(seed.accounts[0]!.users.map((user) => user.uin));
    for (const uin of inCompose.accounts[0]!.users as number[]) expect(seeded.has(uin)).toBe(true);
  });

  it("builds a multi-stage image that runs as a non-root user", () => {
    const dockerfile = readFileSync("Dockerfile", "utf8");
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    const user = /^USER\s+(\S+)/m.exec(dockerfile.split(/^FROM .* AS runtime$/m)[1] ?? "")?.[1];
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "\/app\/dist\/cli\.js"\]/);
  });
});

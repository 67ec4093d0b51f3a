// The Kustomize manifests in deploy/kubernetes: rendered the way `kubectl apply -k` renders them (the kustomization
// uses plain resources only, which this checks), validated against the Kubernetes and Prometheus Operator OpenAPI
// schemas (kubernetes-models), and cross-checked with the config they ship and with what the issue asks of them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { parseConfig } from "../../src/config/index.js";

const DIR = "deploy/kubernetes";
type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [key: string]: unknown;
};

/** The resources a kustomization (or component) lists, in order; anything beyond plain resources is refused. */
function render(dir: string): Manifest[] {
  const kustomization = parse(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as Record<string, unknown>;
  const extra = Object.keys(kustomization).filter((key) => !["apiVersion", "kind", "resources"].includes(key));
  if (extra.length > 0) throw new Error(`${dir}/kustomization.yaml uses ${extra.join(", ")}: extend render() first`);
  return (kustomization.resources as string[]).flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), "utf8")).map((document) => document.toJS() as Manifest)
  );
}

const SCHEMAS: Record<string, new (data: never) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
};

const base = render(DIR);
const monitor = render(join(DIR, "components/servicemonitor"));
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are walked as loose JSON
const find = <T = Record<string, any>>(kind: string) =>
  base.find((manifest) => manifest.kind === kind) as unknown as T & Manifest;
const deployment = find("Deployment");
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const configText = find("ConfigMap").data["config.yaml"] as string;
const config = parseConfig(parse(configText), "deploy/kubernetes/configmap.yaml", {});

describe("Kubernetes manifests (deploy/kubernetes)", () => {
  it("validate against the Kubernetes and Prometheus Operator schemas", () => {
    for (const manifest of [...base, ...monitor]) {
      const Model = SCHEMAS[`${manifest.apiVersion}/${manifest.kind}`];
      expect(Model, `a schema for ${manifest.apiVersion} ${manifest.kind}`).toBeDefined();
      expect(
        () => new Model!(manifest as never).validate(),
        `${manifest.kind} ${manifest.metadata.name}`
      ).not.toThrow();
    }
    expect(base.map((manifest) => manifest.kind).sort()).toEqual([
      "ConfigMap",
      "Deployment",
      "PodDisruptionBudget",
      "Service",
      "ServiceAccount",
    ]);
  });

  it("the schema check catches a broken manifest (so the test above can fail)", () => {
    const broken = structuredClone(deployment);
    broken.spec.replicas = "two";
    expect(() => new Deployment(broken as never).validate()).toThrow();
  });

  it("ship a config the daemon accepts, serving its endpoint on the pod's address", () => {
    expect(config.http.host).toBe("0.0.0.0");
    expect(container.env.find((env: { name: string }) => env.name === "CAM_ROTATOR_CONFIG")?.value).toBe(
      `${container.volumeMounts.find((mount: { name: string }) => mount.name === "config").mountPath}/config.yaml`
    );
  });

  it("run two replicas with liveness on /healthz, readiness on /readyz and a disruption budget", () => {
    expect(deployment.spec.replicas).toBe(2);
    const port = container.ports.find((entry: { name: string }) => entry.name === container.livenessProbe.httpGet.port);
    expect(port.containerPort).toBe(config.http.port);
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    const budget = find("PodDisruptionBudget");
    expect(budget.spec.minAvailable).toBe(1);
    expect(budget.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
  });

  it("give SIGTERM more time than worker.shutdownTimeout", () => {
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.worker.shutdownTimeout);
  });

  it("run non-root on a read-only root filesystem, with no privilege escalation and no capabilities", () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("request resources, with a memory limit and no CPU limit (throttling would make the limiter miss slots)", () => {
    expect(container.resources.requests.cpu).toBeTruthy();
    expect(container.resources.requests.memory).toBeTruthy();
    expect(container.resources.limits.memory).toBeTruthy();
    expect(container.resources.limits.cpu).toBeUndefined();
  });

  it("fill every credential the config names from an existing Secret, never from a literal", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an env entry as the manifest spells it
    const env = new Map<string, Record<string, any>>(
      container.env.map((entry: { name: string }) => [entry.name, entry])
    );
    const named = config.accounts.flatMap((account) => [
      account.credentials.secretIdEnv,
      account.credentials.secretKeyEnv,
    ]);
    for (const name of [...named, "REDIS_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
      expect(env.get(name)?.valueFrom?.secretKeyRef?.name, name).toBeTruthy();
      expect(env.get(name)?.value, name).toBeUndefined();
    }
  });

  it("let the optional ServiceMonitor scrape the Service's metrics port", () => {
    const service = find("Service");
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a ServiceMonitor as the manifest spells it
    const serviceMonitor = monitor[0] as unknown as Record<string, any>;
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(serviceMonitor.spec.selector.matchLabels).toMatchObject(service.metadata.labels ?? {});
    const ports = service.spec.ports.map((port: { name: string }) => port.name);
    expect(ports).toContain(serviceMonitor.spec.endpoints[0].port);
    expect(serviceMonitor.spec.endpoints[0].path).toBe("/metrics");
  });
});

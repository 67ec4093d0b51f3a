// Five notify targets, one of each type, pointed at a local receiver, with their URLs and secrets in a private
// environment; plus the publisher and delivery workers on a Redis prefix. The URL tokens and signing secrets are
// credentials: tests check they never reach Redis, logs or message bodies.
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { inject } from "vitest";
import { createLogger, type Logger } from "../../src/log.js";
import { notifySchema, type NotifyConfig } from "../../src/notify/config.js";
import { startDelivery, type Delivery } from "../../src/notify/delivery.js";
import { createNotifier, type Notifier } from "../../src/notify/notifier.js";
import type { Platform } from "./notify-platforms.js";
import { startNotifyReceiver, type NotifyReceiver } from "./notify-receiver.js";

export interface NotifyTargetFixture {
  name: string;
  platform: Platform;
  path: string;
  secret?: string;
}

export interface NotifyRig {
  receiver: NotifyReceiver;
  notify: NotifyConfig;
  targets: NotifyTargetFixture[];
  env: Record<string, string>;
  /** The URL tokens and signing secrets: none may appear in Redis, logs or bodies. */
  credentials: string[];
  prefix: string;
  redis: Redis;
  notifier: Notifier;
  logs: string[];
  log: Logger;
  startDelivery(): Delivery;
  close(): Promise<void>;
}

/** Raw target configs (what a user writes) and their environment, against `origin`. */
export function fiveTargets(origin: string, overrides: Record<string, unknown> = {}) {
  const token = () => randomUUID().replace(/-/g, "");
  const fixtures: NotifyTargetFixture[] = [
    { name: "hook", platform: "webhook", path: "/webhook/hook", secret: `whsec${token()}` },
    { name: "wecom", platform: "wecom", path: "/wecom/send" },
    { name: "ding", platform: "dingtalk", path: "/dingtalk/robot/send", secret: `SEC${token()}` },
    { name: "feishu", platform: "feishu", path: `/feishu/open-apis/bot/v2/hook/${token()}`, secret: token() },
    { name: "slack", platform: "slack", path: `/slack/services/T000/B000/${token()}` },
  ];
  const env: Record<string, string> = {};
  const credentials: string[] = [];
  const raw = fixtures.map((fixture) => {
    const variable = `NOTIFY_${fixture.name.toUpperCase()}`;
    const secretToken = token();
    const query =
      fixture.platform === "wecom"
        ? `?key=${secretToken}`
        : fixture.platform === "dingtalk"
          ? `?access_token=${secretToken}`
          : "";
    if (query) credentials.push(secretToken);
    env[`${variable}_URL`] = `${origin}${fixture.path}${query}`;
    if (fixture.secret) {
      env[`${variable}_SECRET`] = fixture.secret;
      credentials.push(fixture.secret);
    }
    if (fixture.path.includes("/hook/") || fixture.path.includes("/services/"))
      credentials.push(fixture.path.split("/").at(-1)!);
    return {
      name: fixture.name,
      type: fixture.platform,
      urlEnv: `${variable}_URL`,
      ...(fixture.secret ? { secretEnv: `${variable}_SECRET` } : {}),
      ...overrides,
    };
  });
  return { fixtures, env, credentials, raw };
}

export async function createNotifyRig(
  options: { notify?: Record<string, unknown>; target?: Record<string, unknown> } = {}
): Promise<NotifyRig> {
  const receiver = await startNotifyReceiver();
  const { fixtures, env, credentials, raw } = fiveTargets(receiver.origin, options.target);
  const notify = notifySchema.parse({
    targets: raw,
    attempts: 5,
    backoff: { base: 50, max: 200 },
    runbookUrl: "https://example.test/cam-rotator/README.md",
    ...options.notify,
  });
  const prefix = `t-${randomUUID()}`;
  const redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
  const logs: string[] = [];
  const log = createLogger(
    { level: "debug", name: "notify-test" },
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    })
  );
  const notifier = createNotifier({ notify, connection: redis, prefix, log });
  const deliveries: Delivery[] = [];
  return {
    receiver,
    notify,
    targets: fixtures,
    env,
    credentials,
    prefix,
    redis,
    notifier,
    logs,
    log,
    startDelivery() {
      const delivery = startDelivery({ notify, connection: redis, prefix, log, env });
      deliveries.push(delivery);
      return delivery;
    },
    async close() {
      await Promise.all(deliveries.map((delivery) => delivery.close(1_000)));
      await notifier.close();
      await receiver.close();
      redis.disconnect();
    },
  };
}

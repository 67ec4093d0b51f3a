// The "must show": a flagged key, a failed rotation and a held retirement, each from the real engine
// (simulator through the official SDK, moto, real Redis), produce exactly one notification per target in each
// of the five formats, delivered although every target answers 500 twice in a row first, each correctly signed
// and valid for its platform. Nothing the receiver got holds a SecretAccessKey, nor does Redis hold a URL token.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCamClient } from "../../src/cam/client.js";
import type { CallGate } from "../../src/cam/limiter/gate.js";
import { ACCOUNT, createRig, eventually, USER_UIN, type Rig } from "../support/harness.js";
import { problemsOf } from "../support/notify-platforms.js";
import { eventIdOf, failFirst } from "../support/notify-receiver.js";
import { createNotifyRig, type NotifyRig } from "../support/notify-rig.js";
import { scanForSecrets } from "../support/secret-scan.js";

const FLAGGED_UIN = USER_UIN;
const MISSING_UIN = 100000000099;
const HELD_UIN = 100000000013;
const openGate: CallGate = { admit: async () => undefined, penalize: async () => undefined };

let notify: NotifyRig;
let rig: Rig;

beforeAll(async () => {
  notify = await createNotifyRig();
  notify.receiver.plan(failFirst(2));
  notify.startDelivery();
  rig = await createRig({
    users: [
      { uin: FLAGGED_UIN, keys: [{ vault: "none" }, { vault: "current" }] },
      { uin: HELD_UIN, keys: [{}] },
    ],
    account: { users: [FLAGGED_UIN, MISSING_UIN, HELD_UIN], deactivateAfter: 1_500, deleteAfter: 300 },
    observer: notify.notifier.observer,
  });
}, 30_000);

afterAll(async () => {
  await rig?.close();
  await notify?.close();
});

describe("engine events reach every target", () => {
  it("a flagged key, a failed rotation and a held retirement: one notification each per target, despite two 500s", async () => {
    expect(await rig.rotate(FLAGGED_UIN)).toMatchObject({ kind: "parked", reason: "foreign-key" });
    expect(await rig.rotate(MISSING_UIN)).toMatchObject({ kind: "failed" });
    const oldKey = rig.seeded.find((seeded) => seeded.uin === HELD_UIN)!;
    expect(await rig.rotate(HELD_UIN)).toMatchObject({ kind: "rotated" });
    // A consumer that never picked up the new key still signs with the old one: its retirement is held.
    const straggler = createCamClient(
      {
        name: ACCOUNT,
        endpoint: rig.sim.url,
        credentials: { secretId: oldKey.accessKeyId, secretKey: oldKey.secretAccessKey },
      },
      { gate: openGate }
    );
    await straggler.getUserAppId();

    await eventually(async () => notify.receiver.accepted().length >= 15 || undefined, 30_000, "fifteen deliveries");
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // Nothing more may arrive.

    const flaggedKeyId = rig.seeded.find((seeded) => seeded.uin === FLAGGED_UIN)!.accessKeyId;
    for (const target of notify.targets) {
      const seen = notify.receiver.received.filter((request) => request.path === target.path);
      const byEvent = new Map<string, typeof seen>();
      for (const request of seen) {
        const id = eventIdOf(request) ?? "no id";
        byEvent.set(id, [...(byEvent.get(id) ?? []), request]);
      }
      const ids = [...byEvent.keys()].sort();
      expect(ids, target.name).toEqual([
        expect.stringMatching(`^key-flagged-${flaggedKeyId}-\\d+$`),
        `retirement-held-${oldKey.accessKeyId}`,
        expect.stringMatching(`^rotation-failed-main-${MISSING_UIN}-\\d+$`),
      ]);
      for (const [event, requests] of byEvent) {
        expect(
          requests.map((request) => request.answered),
          `${target.name} ${event}`
        ).toEqual([500, 500, target.platform === "webhook" ? 204 : 200]);
        for (const request of requests)
          expect(problemsOf(target.platform, request, target.secret), `${target.name} ${event}`).toEqual([]);
      }
      const accepted = seen
        .filter((request) => request.answered !== 500)
        .map((request) => request.body)
        .join("\n");
      expect(accepted).toContain(`approve-removal --key ${flaggedKeyId}`);
      expect(accepted).toContain(`dismiss-flag --key ${flaggedKeyId}`);
      expect(accepted).toContain("InvalidParameter.UserNotExist");
      expect(accepted).toContain(oldKey.accessKeyId);
      expect(accepted).toContain("#runbook-a-failed-rotation");
    }
  }, 60_000);

  it("no SecretAccessKey in any body received, in Redis or the logs; no URL token or signing secret in Redis or the logs", async () => {
    const bodies = notify.receiver.received.map((request) => request.body);
    expect(bodies.length).toBeGreaterThanOrEqual(45);
    const secrets = await scanForSecrets(
      rig.redis,
      [rig.prefix, notify.prefix],
      rig.secrets,
      [...rig.logs, ...notify.logs],
      bodies
    );
    expect(secrets.hits).toEqual([]);
    const credentials = await scanForSecrets(rig.redis, [rig.prefix, notify.prefix], notify.credentials, [
      ...rig.logs,
      ...notify.logs,
    ]);
    expect(credentials.keysRead).toBeGreaterThan(0);
    expect(credentials.hits).toEqual([]);
    // The scan would see a leak: a body holding a secret is found.
    const canary = [...rig.secrets][0]!;
    expect((await scanForSecrets(rig.redis, [], [canary], [], [`{"text":"${canary}"}`])).hits).toHaveLength(1);
  });
});

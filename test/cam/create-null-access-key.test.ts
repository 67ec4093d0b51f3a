// CAM documents CreateAccessKey's AccessKey as possibly null. The simulator's nullAccessKey fault answers so while
// still creating the key; the typed client turns that answer into a transient CreatedWithoutAccessKey error (a
// key exists whose id and secret we never saw), and the normal answer still yields the new key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATED_WITHOUT_KEY } from "../../src/cam/errors.js";
import { startCamSimulator, type RunningCamSimulator } from "../../src/cam/simulator/server.js";
import { camErrorOf, control, EMPTY_UIN, fixtureKeys, fixtureSeed, typedClient } from "../support/simulator.js";

const keys = fixtureKeys();
let sim: RunningCamSimulator;
beforeAll(async () => {
  sim = await startCamSimulator({ seed: fixtureSeed(keys) });
});
afterAll(async () => {
  await sim.close();
});

const openGate = { admit: async () => undefined, penalize: async () => undefined };
const keyIdsOfEmptyUser = async () =>
  (await typedClient(sim.url, keys.admin, { gate: openGate }).listAccessKeys(EMPTY_UIN)).map((key) => key.accessKeyId);

describe("CreateAccessKey answering AccessKey: null", () => {
  it("creates the key, and the client reports a transient CreatedWithoutAccessKey naming no key or secret", async () => {
    const client = typedClient(sim.url, keys.admin, { gate: openGate });
    expect(await keyIdsOfEmptyUser()).toEqual([]);
    expect(
      (await control(sim.url, "POST", "/_sim/faults", { action: "CreateAccessKey", fault: "nullAccessKey" })).status
    ).toBe(200);
    const error = await camErrorOf(client.createAccessKey(EMPTY_UIN));
    expect(error).toMatchObject({
      kind: "transient",
      code: CREATED_WITHOUT_KEY,
      action: "CreateAccessKey",
      targetUin: EMPTY_UIN,
    });
    const made = await keyIdsOfEmptyUser();
    expect(made).toHaveLength(1);
    expect(error.message).not.toContain(made[0]);

    // The normal answer, once the fault is used up: the key and its secret.
    const normal = await client.createAccessKey(EMPTY_UIN);
    expect(normal.secretAccessKey.length).toBeGreaterThan(0);
    expect((await keyIdsOfEmptyUser()).sort()).toEqual([made[0], normal.accessKeyId].sort());
  });

  it("is refused for any action but CreateAccessKey, naming the field", async () => {
    for (const action of ["ListAccessKeys", "*"]) {
      const reply = await control(sim.url, "POST", "/_sim/faults", { action, fault: "nullAccessKey" });
      expect(reply.status).toBe(400);
      expect((reply.json as { problems: Array<{ path: string }> }).problems[0]!.path).toBe("action");
    }
  });
});

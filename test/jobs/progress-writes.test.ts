// The progress record's writes (issue 16): a signed record this process wrote or read for a write is replaced in
// one round trip, without reading it first, as long as Redis still holds exactly what this process saw; a record
// changed behind its back (another writer, a forgery) is read and handled as before. Real Redis, watched by MONITOR.
import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { engineKeys } from "../../src/jobs/keys.js";
import { createProgressStore, parseProgress } from "../../src/jobs/progress.js";
import { createRecordSigner, MAC_FIELD } from "../../src/jobs/record-mac.js";

const redis = new Redis(inject("redisUrl"));
afterAll(() => redis.quit());

async function setUp() {
  const keys = engineKeys(`t-${randomUUID()}`);
  const signer = createRecordSigner(randomBytes(32));
  const rejected: string[] = [];
  const store = createProgressStore(redis, keys, signer, (record) => rejected.push(record.why));
  const key = keys.progress("acct", 7);
  // The commands Redis receives for this record, from MONITOR (scripts' own commands included).
  const monitor = await redis.monitor();
  const seen: string[] = [];
  let marker = "";
  let markerSeen = (): void => undefined;
  monitor.on("monitor", (_time: string, args: string[]) => {
    if (marker !== "" && args.includes(marker)) markerSeen();
    else if (args.includes(key)) seen.push(args[0]!.toLowerCase());
  });
  // MONITOR reports in order: once it has reported this marker, every earlier command was reported (however late
  // the reports arrive on a loaded host).
  const settled = async () => {
    marker = `settled-${randomUUID()}`;
    const reported = new Promise<void>((resolve) => (markerSeen = resolve));
    await redis.echo(marker);
    await reported;
  };
  return { store, key, signer, rejected, seen, settled, close: () => monitor.disconnect() };
}

describe("progress record writes", () => {
  it("a record this process wrote is replaced without reading it again", async () => {
    const { store, key, signer, seen, settled, close } = await setUp();
    try {
      await store.beginAttempt("acct", 7, { attemptId: "a1", attemptStart: 1 });
      await settled();
      seen.length = 0;
      await store.update("acct", 7, { step: "reconcile" });
      await store.recordCreated("acct", 7, "AKIDnew");
      await store.update("acct", 7, { versionId: "v1" });
      await settled();
      // Each write is one script call (MONITOR also lists the script's own HGETALL, DEL and HSET): no read of the
      // record before it, and no MULTI.
      expect(seen.filter((command) => command === "hgetall")).toHaveLength(3);
      expect(seen).not.toContain("multi");
      expect(seen.filter((command) => command === "evalsha" || command === "eval").length).toBeGreaterThanOrEqual(3);
      const { [MAC_FIELD]: mac, ...fields } = await redis.hgetall(key);
      expect(signer.verify(key, fields, mac)).toBe(true);
      expect(parseProgress(fields)).toMatchObject({
        step: "reconcile",
        attempt: { attemptId: "a1", newKeyId: "AKIDnew", versionId: "v1" },
      });
    } finally {
      close();
    }
  });

  it("a record changed behind its back is read again, and the other writer's change is kept", async () => {
    const { store, key, signer, rejected, settled, close } = await setUp();
    try {
      await store.beginAttempt("acct", 7, { attemptId: "a1", attemptStart: 1 });
      // Another writer (a process holding the same record key) adds a field and signs the record anew.
      const { [MAC_FIELD]: _mac, ...fields } = await redis.hgetall(key);
      const theirs = { ...fields, heldAtTakeover: "AKIDold" };
      await redis.del(key);
      await redis.hset(key, { ...theirs, [MAC_FIELD]: signer.sign(key, theirs) });
      await store.update("acct", 7, { versionId: "v1" });
      await settled();
      const { [MAC_FIELD]: mac, ...after } = await redis.hgetall(key);
      expect(signer.verify(key, after, mac)).toBe(true);
      expect(parseProgress(after)).toMatchObject({
        heldAtTakeover: ["AKIDold"],
        attempt: { attemptId: "a1", versionId: "v1" },
      });
      expect(rejected).toEqual([]);
    } finally {
      close();
    }
  });

  it("a forged record is still refused: read, reported and rewritten from nothing", async () => {
    const { store, key, rejected, close } = await setUp();
    try {
      await store.beginAttempt("acct", 7, { attemptId: "a1", attemptStart: 1 });
      await redis.hset(key, { newKeyId: "AKIDforged" }); // no valid MAC for this field
      await store.update("acct", 7, { versionId: "v1" });
      expect(rejected).toEqual(["its MAC does not match"]);
      const after = parseProgress(await redis.hgetall(key));
      expect(after.attempt).toBeUndefined();
      expect(after.step).toBeUndefined();
    } finally {
      close();
    }
  });
});

// The secret scan: reads every Redis key under the given prefixes, whatever its type (strings, hashes, lists,
// sets, sorted sets, streams; BullMQ's job data, return values and failure reasons live in hashes), plus the
// captured logs and the notification bodies a test's receiver got (webhooks and chat robots), and reports every
// place a known SecretAccessKey appears. Expect none (P4).
import type { Redis } from "ioredis";

export interface ScanReport {
  keysRead: number;
  types: Record<string, number>;
  hits: string[];
}

export async function scanForSecrets(
  redis: Redis,
  prefixes: string[],
  secrets: Iterable<string>,
  logs: Iterable<string> = [],
  notificationBodies: Iterable<string> = []
): Promise<ScanReport> {
  const wanted = [...secrets].filter((secret) => secret.length >= 16);
  const report: ScanReport = { keysRead: 0, types: {}, hits: [] };
  const look = (where: string, text: string) => {
    for (const secret of wanted)
      if (text.includes(secret)) report.hits.push(`${where} holds secret ${secret.slice(0, 4)}…`);
  };
  for (const prefix of prefixes) {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        report.types[type] = (report.types[type] ?? 0) + 1;
        report.keysRead++;
        look(`key name ${key}`, key);
        look(`${type} ${key}`, await readAll(redis, key, type));
      }
    } while (cursor !== "0");
  }
  let line = 0;
  for (const entry of logs) look(`log line ${++line}`, entry);
  let body = 0;
  for (const entry of notificationBodies) look(`notification body ${++body}`, entry);
  return report;
}

async function readAll(redis: Redis, key: string, type: string): Promise<string> {
  switch (type) {
    case "string":
      return (await redis.get(key)) ?? "";
    case "hash":
      return JSON.stringify(await redis.hgetall(key));
    case "list":
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case "set":
      return JSON.stringify(await redis.smembers(key));
    case "zset":
      return JSON.stringify(await redis.zrange(key, 0, -1, "WITHSCORES"));
    case "stream":
      return JSON.stringify(await redis.xrange(key, "-", "+"));
    case "none":
      return ""; // Expired or removed between SCAN and TYPE.
    default:
      throw new Error(`secret scan cannot read ${key} of type ${type}`);
  }
}

// The README's notification promises that code can check: its webhook verification snippet verifies, rejects
// and deduplicates real webhook requests, and every runbook link in messages points at a README heading.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { eventBuilders, RUNBOOK_ANCHORS } from "../../src/notify/events.js";
import { webhookFormat } from "../../src/notify/formats/webhook.js";

const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to '-'. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

type Verify = (rawBody: string, headers: Record<string, string>, secret: string, seen: Set<string>) => string;

async function readmeVerify(): Promise<Verify> {
  const section = readme.slice(readme.indexOf("### Verifying a webhook"));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error("no js block under 'Verifying a webhook'");
  const dir = mkdtempSync(join(tmpdir(), "cam-rotator-readme-"));
  try {
    const file = join(dir, "verify.mjs");
    writeFileSync(file, `${code}\nexport { verify };\n`);
    return ((await import(pathToFileURL(file).href)) as { verify: Verify }).verify;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("README: notifications", () => {
  it("the webhook verification snippet accepts a real request once, and rejects a tampered, stale or wrongly keyed one", async () => {
    const verify = await readmeVerify();
    const event = eventBuilders("README.md").keyFlagged({
      account: "main",
      uin: 100000000011,
      accessKeyId: "AKIDreadme000001",
      reason: "foreign-key",
      flaggedAt: Date.now(),
      status: "pending",
    });
    const fresh = webhookFormat.request(event, { url: "https://receiver.test/", secret: "whsec-readme" }, Date.now());
    const seen = new Set<string>();
    expect(verify(fresh.body, fresh.headers, "whsec-readme", seen)).toBe("ok");
    expect(verify(fresh.body, fresh.headers, "whsec-readme", seen)).toBe("duplicate");
    // A retry: same event id, new timestamp and signature.
    const retry = webhookFormat.request(
      event,
      { url: "https://receiver.test/", secret: "whsec-readme" },
      Date.now() + 2_000
    );
    expect(verify(retry.body, retry.headers, "whsec-readme", seen)).toBe("duplicate");
    expect(verify(fresh.body.replace("main", "evil"), fresh.headers, "whsec-readme", new Set())).toBe("bad signature");
    expect(verify(fresh.body, fresh.headers, "another-secret", new Set())).toBe("bad signature");
    const old = webhookFormat.request(
      event,
      { url: "https://receiver.test/", secret: "whsec-readme" },
      Date.now() - 3_600_000
    );
    expect(verify(old.body, old.headers, "whsec-readme", new Set())).toBe("stale");
  });

  it("every runbook link in messages points at a README heading", () => {
    const anchors = new Set([...readme.matchAll(/^#{2,4} (.+)$/gm)].map((match) => slug(match[1]!)));
    for (const anchor of Object.values(RUNBOOK_ANCHORS)) expect(anchors, anchor).toContain(anchor);
  });
});

// The notify: block: defaults, every bad value refused naming its path and value, and nothing that may be a
// robot URL or a signing secret echoed, in the file or in the environment.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/index.js";
import { assertNotifyEnvironment } from "../../src/notify/credentials.js";
import { problems } from "../config/problems.js";

const base = () => ({
  vault: { type: "file", path: "./vault.json" },
  accounts: [
    {
      name: "main",
      credentials: { secretIdEnv: "A", secretKeyEnv: "B" },
      users: [100000000011],
      schedule: "0 3 * * *",
      maxKeyAgeDays: 90,
    },
  ],
});
const withNotify = (notify: unknown) => ({ ...base(), notify });

describe("notify config", () => {
  it("is optional, and fills defaults: operator events only, 20 a minute, 8 attempts", () => {
    expect(parseConfig(base(), "test.yaml", {}).notify).toBeUndefined();
    const notify = parseConfig(
      withNotify({ targets: [{ name: "ops", type: "wecom", urlEnv: "WECOM_URL" }] }),
      "test.yaml",
      {}
    ).notify!;
    expect(notify.targets[0]).toEqual({
      name: "ops",
      type: "wecom",
      urlEnv: "WECOM_URL",
      msgtype: "markdown",
      rateLimit: { max: 20, per: 60_000 },
      timeout: 10_000,
    });
    expect(notify).toMatchObject({
      attempts: 8,
      backoff: { base: 2_000, max: 300_000 },
      enqueueTimeout: 2_000,
      sweepMissedAfter: 300_000,
    });
  });

  it("names the path and the value of each bad entry", () => {
    expect(problems(withNotify({ targets: [{ name: "ops", type: "teams", urlEnv: "U" }] }))).toEqual([
      'notify.targets[0].type: expected type webhook, wecom, dingtalk, feishu, slack, got "teams"',
    ]);
    expect(
      problems(withNotify({ targets: [{ name: "ops", type: "slack", urlEnv: "U", events: ["key-flaged"] }] }))
    ).toEqual([
      expect.stringMatching(/^notify\.targets\[0\]\.events\[0\]: expected one of key-flagged, .*, got "key-flaged"$/),
    ]);
    expect(problems(withNotify({ targets: [{ name: "ops", type: "webhook", urlEnv: "U" }] }))).toEqual([
      "notify.targets[0].secretEnv: expected an environment variable name (A-Z, 0-9, _), got nothing",
    ]);
    expect(
      problems(
        withNotify({ targets: [{ name: "ops", type: "slack", urlEnv: "U", rateLimit: { max: 0, per: "1 minute" } }] })
      )
    ).toEqual([
      "notify.targets[0].rateLimit.max: expected a positive integer, got 0",
      'notify.targets[0].rateLimit.per: expected a duration from 1ms to 1h, such as 250ms, 30s, 5m or 12h, got "1 minute"',
    ]);
    expect(
      problems(
        withNotify({
          targets: [
            { name: "a", type: "slack", urlEnv: "U" },
            { name: "a", type: "wecom", urlEnv: "V" },
          ],
        })
      )
    ).toEqual(['notify.targets[1].name: duplicate target name, got "a"']);
    expect(problems(withNotify({ targets: [], sweepMissedAfter: "2h" }))).toEqual([
      "notify.targets: expected at least one target, got []",
      'notify.sweepMissedAfter: expected a duration from 1000ms to 50m, such as 250ms, 30s, 5m or 12h, got "2h"',
    ]);
    expect(problems(withNotify({ targets: [{ name: "ops", type: "slack", urlEnv: "U", url: "x" }] }))).toEqual([
      'notify.targets[0]: unknown key "url"',
    ]);
  });

  it("never echoes a pasted robot URL or secret", () => {
    const url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa";
    const found = [
      ...problems(withNotify({ targets: [{ name: "ops", type: "wecom", urlEnv: url }] })),
      ...problems(
        withNotify({ targets: [{ name: "ops", type: "dingtalk", urlEnv: "U", secretEnv: "SECb1f7a9c0e2d34" }] })
      ),
      ...problems(withNotify({ targets: [url] })),
      ...problems(withNotify({ targets: [{ name: url, type: "wecom", urlEnv: "U" }] })),
      ...problems(withNotify({ targets: [{ name: "ops", type: "wecom", urlEnv: "U", events: [url] }] })),
    ];
    expect(found).toHaveLength(5);
    for (const problem of found) {
      expect(problem).toMatch(/a value that is not shown$/);
      expect(problem).not.toContain("693a");
      expect(problem).not.toContain("b1f7a9");
    }
  });

  it("checks the environment before a worker starts: each missing variable named, no value shown", () => {
    const notify = parseConfig(
      withNotify({
        targets: [
          { name: "hook", type: "webhook", urlEnv: "HOOK_URL", secretEnv: "HOOK_SECRET" },
          { name: "ding", type: "dingtalk", urlEnv: "DING_URL" },
        ],
      }),
      "test.yaml",
      {}
    ).notify;
    const failure = (() => {
      try {
        assertNotifyEnvironment(notify, {
          HOOK_URL: "ftp://hooks.example.test/t0ps3cret",
          DING_URL: "https://oapi.dingtalk.com/robot/send?access_token=t",
        });
      } catch (error) {
        return error as ConfigError;
      }
      throw new Error("expected a ConfigError");
    })();
    expect(failure.problems).toEqual([
      "notify.targets[0].urlEnv: environment variable HOOK_URL does not hold an http(s) URL (value not shown)",
      "notify.targets[0].secretEnv: environment variable HOOK_SECRET is not set",
    ]);
    expect(failure.message).not.toContain("t0ps3cret");
    expect(() =>
      assertNotifyEnvironment(notify, {
        HOOK_URL: "https://h.example.test/",
        HOOK_SECRET: "s",
        DING_URL: "https://d.example.test/",
      })
    ).not.toThrow();
  });

  it("the example config's commented notify: block is valid once uncommented", () => {
    const text = readFileSync(join(import.meta.dirname, "../../config.example.yaml"), "utf8");
    const start = text.indexOf("# notify:");
    expect(start).toBeGreaterThan(0);
    const block = text
      .slice(start)
      .split("\n")
      .filter((line) => line.startsWith("#"))
      .map((line) => line.replace(/^# ?/, ""))
      .join("\n");
    const example = parseYaml(block) as { notify: unknown };
    const config = parseConfig(withNotify(example.notify), "config.example.yaml", {});
    expect(config.notify!.targets.map((target) => target.type)).toEqual([
      "webhook",
      "wecom",
      "dingtalk",
      "feishu",
      "slack",
    ]);
  });
});

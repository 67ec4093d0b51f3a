// Each format's request for every event type, checked against the platform's documented body schema and its
// signature check (test/support/notify-platforms.ts, written from the platforms' docs, not from src/notify).
import { describe, expect, it } from "vitest";
import { notifySchema } from "../../src/notify/config.js";
import { eventBuilders, type NotifyEvent } from "../../src/notify/events.js";
import { formatOf } from "../../src/notify/formats/index.js";
import { robotAnswer, type OutgoingRequest } from "../../src/notify/formats/request.js";
import { problemsOf, type Platform } from "../support/notify-platforms.js";
import type { Received } from "../support/notify-receiver.js";

const events = eventBuilders("https://example.test/README.md");
const ALL_EVENTS: NotifyEvent[] = [
  events.keyFlagged({
    account: "main",
    uin: 100000000011,
    accessKeyId: "AKIDflagged0001",
    reason: "foreign-key",
    flaggedAt: Date.now(),
    status: "pending",
  }),
  events.rotationFailed({
    account: "main",
    uin: 100000000012,
    reason: "CAM InvalidParameter.UserNotExist (ListAccessKeys)",
  }),
  events.retirementHeld({
    account: "main",
    uin: 100000000013,
    accessKeyId: "AKIDheld00000001",
    lastUsedAt: Date.now(),
  }),
  events.camAuthFailing({ account: "main", action: "ListAccessKeys", code: "AuthFailure.SecretIdNotFound" }),
  events.sweepMissed("main", Date.parse("2026-12-02T03:00:00Z"), 300_000),
  events.daemonStarted("host-1", 42),
  events.daemonStopped("host-1", 42, "SIGTERM"),
  events.test("ops"),
];

/** What the receiver would record for this request. */
function asReceived(request: OutgoingRequest): Received {
  const url = new URL(request.url);
  return {
    path: url.pathname,
    query: url.searchParams,
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: request.body,
    answered: 200,
    at: Date.now(),
  };
}

function targetOf(type: Platform, extra: Record<string, unknown> = {}) {
  return notifySchema.parse({ targets: [{ name: "t", type, urlEnv: "URL", ...extra }] }).targets[0]!;
}

const URLS: Record<Platform, string> = {
  webhook: "https://hooks.example.test/cam",
  wecom: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1",
  dingtalk: "https://oapi.dingtalk.com/robot/send?access_token=t1",
  feishu: "https://open.feishu.cn/open-apis/bot/v2/hook/h1",
  slack: "https://hooks.slack.com/services/T/B/x",
};

describe("message formats against each platform's documented schema and signature", () => {
  const cases: Array<{ platform: Platform; extra?: Record<string, unknown>; secret?: string }> = [
    { platform: "webhook", extra: { secretEnv: "S" }, secret: "whsec-1" },
    { platform: "wecom" },
    { platform: "wecom", extra: { msgtype: "text" } },
    { platform: "dingtalk" },
    { platform: "dingtalk", extra: { secretEnv: "S", msgtype: "text" }, secret: "SECdingtalk" },
    { platform: "dingtalk", extra: { secretEnv: "S" }, secret: "SECdingtalk" },
    { platform: "feishu" },
    { platform: "feishu", extra: { secretEnv: "S" }, secret: "feishu-secret" },
    { platform: "slack" },
  ];
  for (const { platform, extra, secret } of cases) {
    it(`${platform} ${JSON.stringify(extra ?? {})}: every event type is a valid${secret ? ", correctly signed" : ""} message`, () => {
      const format = formatOf(targetOf(platform, extra));
      for (const event of ALL_EVENTS) {
        const request = format.request(event, { url: URLS[platform], secret }, Date.now());
        expect(problemsOf(platform, asReceived(request), secret), `${platform} ${event.type}`).toEqual([]);
        expect(request.body).toContain(event.id);
      }
    });
  }

  it("a wrong secret fails each signature check (the checks can fail)", () => {
    for (const platform of ["webhook", "dingtalk", "feishu"] as const) {
      const request = formatOf(targetOf(platform, { secretEnv: "S" })).request(
        ALL_EVENTS[0]!,
        { url: URLS[platform], secret: "right" },
        Date.now()
      );
      expect(problemsOf(platform, asReceived(request), "wrong").join()).toMatch(/does not verify/);
    }
  });

  it("unsigned robots carry no timestamp or sign; signed DingTalk keeps the access_token", () => {
    const plain = asReceived(
      formatOf(targetOf("dingtalk")).request(
        ALL_EVENTS[0]!,
        { url: URLS.dingtalk, secret: undefined },
        1_700_000_000_000
      )
    );
    expect([...plain.query.keys()]).toEqual(["access_token"]);
    const signed = asReceived(
      formatOf(targetOf("dingtalk", { secretEnv: "S" })).request(
        ALL_EVENTS[0]!,
        { url: URLS.dingtalk, secret: "s" },
        1_700_000_000_000
      )
    );
    expect([...signed.query.keys()]).toEqual(["access_token", "timestamp", "sign"]);
    expect(signed.query.get("timestamp")).toBe("1700000000000");
    const feishu = JSON.parse(
      formatOf(targetOf("feishu")).request(ALL_EVENTS[0]!, { url: URLS.feishu, secret: undefined }, 0).body
    );
    expect(Object.keys(feishu)).toEqual(["msg_type", "content"]);
  });

  it("a flagged key's message carries the exact approve-removal and dismiss-flag commands; a failure its reason and runbook", () => {
    const [flagged, failed] = ALL_EVENTS;
    for (const platform of ["wecom", "dingtalk", "feishu", "slack"] as const) {
      const body = formatOf(targetOf(platform)).request(
        flagged!,
        { url: URLS[platform], secret: undefined },
        Date.now()
      ).body;
      expect(body).toContain("cam-rotator approve-removal --key AKIDflagged0001");
      expect(body).toContain("cam-rotator dismiss-flag --key AKIDflagged0001");
      const failure = formatOf(targetOf(platform)).request(
        failed!,
        { url: URLS[platform], secret: undefined },
        Date.now()
      ).body;
      expect(failure).toContain("InvalidParameter.UserNotExist");
      expect(failure).toContain("https://example.test/README.md#runbook-a-failed-rotation");
    }
  });

  it("long text is cut to the platform's byte limit on a character boundary", () => {
    const long = events.rotationFailed({ account: "main", uin: 1, reason: "原因".repeat(3_000) });
    const request = asReceived(
      formatOf(targetOf("wecom", { msgtype: "text" })).request(long, { url: URLS.wecom, secret: undefined }, 0)
    );
    expect(problemsOf("wecom", request)).toEqual([]);
    expect(JSON.parse(request.body).text.content).toMatch(/…$/);
    expect(JSON.parse(request.body).text.content).toContain(`Event: ${long.id}`);
  });

  it("a robot's refusal quotes its message as text, an object message as JSON, never [object Object]", () => {
    expect(robotAnswer(JSON.stringify({ errcode: 93000, errmsg: "invalid webhook url" }), "errcode", [])).toEqual({
      kind: "refused",
      detail: "errcode 93000: invalid webhook url",
    });
    expect(robotAnswer(JSON.stringify({ code: 19001, msg: { reason: "param invalid" } }), "code", [])).toEqual({
      kind: "refused",
      detail: 'code 19001: {"reason":"param invalid"}',
    });
  });
});

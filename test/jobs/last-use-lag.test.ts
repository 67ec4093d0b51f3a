// The last-use lag rule on its own: when a GetSecurityLastUsed report covers a moment, and which retirement
// settings it makes a warning of.
import { describe, expect, it } from "vitest";
import { lagWarning, untilReported } from "../../src/jobs/last-use-lag.js";

const DAY = 86_400_000;

describe("untilReported", () => {
  it("is the time left until now - lag reaches the moment, and 0 once it has", () => {
    expect(untilReported(10_000, 3_000, 9_000)).toBe(2_000);
    expect(untilReported(12_000, 3_000, 9_000)).toBe(0);
    expect(untilReported(20_000, 3_000, 9_000)).toBe(0);
    expect(untilReported(9_000, 0, 9_000)).toBe(0);
  });
});

describe("lagWarning", () => {
  it("is null when both phases are at least the lag", () => {
    expect(lagWarning({ deactivateAfter: 7 * DAY, deleteAfter: 3 * DAY, lastUsedLag: 3 * DAY })).toBeNull();
  });

  it("names each phase that is shorter, with its value and the lag's", () => {
    expect(lagWarning({ deactivateAfter: DAY, deleteAfter: 7 * DAY, lastUsedLag: 3 * DAY })).toBe(
      "retire.deactivateAfter (86400000 ms) is shorter than retire.lastUsedLag (259200000 ms): GetSecurityLastUsed " +
        "cannot show a use that recent yet, so that phase waits for the lag"
    );
    expect(lagWarning({ deactivateAfter: DAY, deleteAfter: DAY, lastUsedLag: 3 * DAY })).toMatch(
      /^retire\.deactivateAfter \(86400000 ms\) and retire\.deleteAfter \(86400000 ms\) are shorter/
    );
  });
});

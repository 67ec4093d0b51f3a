// The simulator without HTTP: an API request in, a reply out, plus the operations of the control plane.
// server.ts carries replies over node:http; control.ts maps /_sim/ routes onto the methods here.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_RATE_LIMITS, isCamAction, SERVICES, serviceOf, type CamAction } from "../actions.js";
import { handlers, type ActionContext } from "./actions.js";
import {
  AnswerShaper,
  answerSwitchesSchema,
  type AnswerSwitches,
  type AnswerSwitchesInput,
} from "./answer-switches.js";
import { errorEnvelope, SimApiError, successEnvelope } from "./api-error.js";
import { authenticate, type SignedHttpRequest } from "./authenticate.js";
import { clockSchema, foreignKeySchema, type ForeignKeyInput } from "./control-inputs.js";
import { FaultQueue, faultListSchema, faultSchema, type FaultSpec, type FaultSpecInput } from "./faults.js";
import { InputError, parseInput } from "./issues.js";
import { parseParams } from "./params.js";
import { rateWindowKey, RollingWindow } from "./rate-window.js";
import { RequestLog, THROTTLED, type ActionCounters, type LoggedRequest } from "./request-log.js";
import { parseSeed, type Seed, type SeedInput } from "./seed.js";
import { parseAuthorization } from "./signature.js";
import { keyView, SimState, type KeyView, type StateView } from "./state.js";
import {
  switchesSchema,
  userSwitchesSchema,
  type Switches,
  type SwitchesInput,
  type UserSwitchesInput,
} from "./switches.js";

export const CAM_VERSION = SERVICES.cam.version;

export interface SimulatorSettings {
  seed?: SeedInput;
  /** Demand the action's own service in the credential scope (cam, or sts for GetCallerIdentity); by default any
   * stated service is accepted. */
  requireService?: boolean;
  /** Refuse to delete an Active key with FailedOperation.Accesskey. A seed's own setting wins. Default false. */
  requireInactiveBeforeDelete?: boolean;
  /** Epoch ms; a test may pass its own clock. Default Date.now. */
  now?: () => number;
}

/** What to send back; server.ts turns it into bytes (or into a dropped connection). */
export type Reply =
  { kind: "json"; body: unknown } | { kind: "http"; status: number } | { kind: "garbage" } | { kind: "lost" };

export interface SimulatorSnapshot extends StateView {
  counters: Record<string, ActionCounters>;
  faults: FaultSpec[];
  rateLimits: Record<CamAction, number>;
  clockOffsetSec: number;
  requireInactiveBeforeDelete: boolean;
  answers: AnswerSwitches;
  switches: Switches;
}

export class CamSimulator {
  private seed!: Seed;
  private state!: SimState;
  private window = new RollingWindow();
  private clockOffsetSec = 0;
  private answers = new AnswerShaper();
  private switches: Switches = { getUserAppIdNeedsPermission: false, newKeyAuthDelayMs: 0 };
  private readonly faults = new FaultQueue();
  private readonly log = new RequestLog();
  private readonly closing = new AbortController();
  private readonly now: () => number;

  constructor(private readonly settings: SimulatorSettings = {}) {
    this.now = settings.now ?? Date.now;
    this.reset(settings.seed ?? {});
  }

  /** Replaces state, rate windows, counters, faults and the request log. Throws SeedError, changing nothing. */
  reset(seedJson: unknown, source = "seed"): void {
    const seed = parseSeed(seedJson, source);
    this.seed = seed;
    this.state = new SimState(seed, this.now());
    this.window = new RollingWindow();
    this.clockOffsetSec = seed.clockOffsetSec ?? 0;
    this.answers = new AnswerShaper(seed.answers ?? {});
    this.switches = {
      getUserAppIdNeedsPermission: seed.getUserAppIdNeedsPermission ?? false,
      newKeyAuthDelayMs: seed.newKeyAuthDelayMs ?? 0,
    };
    this.faults.clear();
    this.log.clear();
  }

  addFaults(input: FaultSpecInput | FaultSpecInput[]): FaultSpec[] {
    this.faults.add(
      Array.isArray(input)
        ? parseInput(faultListSchema, input, "fault list")
        : [parseInput(faultSchema, input, "fault")]
    );
    return this.faults.pending();
  }

  /** Shifts the clock that X-TC-Timestamp is checked against and the Date header shows, for clock tests. */
  setClockOffset(input: { offsetSec: number }): void {
    this.clockOffsetSec = parseInput(clockSchema, input, "clock").offsetSec;
  }

  /** Replaces the answer switches (answer-switches.ts); the use history the lags need is kept. */
  setAnswers(input: AnswerSwitchesInput): AnswerSwitches {
    this.answers.set(parseInput(answerSwitchesSchema, input, "answers"));
    return this.answers.current();
  }

  /** Flips account-wide switches (switches.ts); fields left out keep their value. */
  setSwitches(input: SwitchesInput): Switches {
    const changes = parseInput(switchesSchema, input, "switches");
    this.switches = {
      getUserAppIdNeedsPermission: changes.getUserAppIdNeedsPermission ?? this.switches.getUserAppIdNeedsPermission,
      newKeyAuthDelayMs: changes.newKeyAuthDelayMs ?? this.switches.newKeyAuthDelayMs,
    };
    return { ...this.switches };
  }

  /** Flips one user's switches: the actions its policy lacks, whom its new keys authenticate as. */
  setUserSwitches(input: UserSwitchesInput): { uin: number; deny: CamAction[]; newKeysAuthenticateAs: number | null } {
    const { uin, deny, newKeysAuthenticateAs } = parseInput(userSwitchesSchema, input, "user switches");
    const user = this.state.user(uin);
    if (user === undefined) throw new InputError("user switches", [{ path: "uin", message: `no user ${uin}` }]);
    if (newKeysAuthenticateAs != null && this.state.user(newKeysAuthenticateAs) === undefined) {
      throw new InputError("user switches", [
        { path: "newKeysAuthenticateAs", message: `no user ${newKeysAuthenticateAs}` },
      ]);
    }
    if (deny !== undefined) user.switches.deny = new Set(deny);
    if (newKeysAuthenticateAs !== undefined) user.switches.newKeysAuthenticateAs = newKeysAuthenticateAs;
    return { uin, deny: [...user.switches.deny], newKeysAuthenticateAs: user.switches.newKeysAuthenticateAs };
  }

  /** Plants a key as another actor would create it; its secret never leaves the simulator. */
  addForeignKey(input: ForeignKeyInput): KeyView {
    const { ownerUin, uin, ...options } = parseInput(foreignKeySchema, input, "key");
    const user = this.state.user(uin);
    if (user === undefined || user.ownerUin !== ownerUin) {
      throw new InputError("key", [{ path: "uin", message: `no user ${uin} in account ${ownerUin}` }]);
    }
    if (!this.state.hasRoomForKey(uin)) {
      throw new InputError("key", [{ path: "uin", message: `user ${uin} already has two access keys` }]);
    }
    return keyView(this.state.createKey(user, this.now(), options));
  }

  snapshot(): SimulatorSnapshot {
    return {
      ...this.state.view(),
      counters: this.log.counters(),
      faults: this.faults.pending(),
      rateLimits: this.rateLimits(),
      clockOffsetSec: this.clockOffsetSec,
      requireInactiveBeforeDelete: this.requireInactiveBeforeDelete(),
      answers: this.answers.current(),
      switches: { ...this.switches },
    };
  }

  requests(): LoggedRequest[] {
    return this.log.entries();
  }

  /** Wakes requests sleeping in a latency fault so the server can close; they end unanswered. */
  close(): void {
    this.closing.abort();
  }

  /** The simulator's clock (epoch ms): the server stamps a request's arrival with it. */
  time(): number {
    return this.now();
  }

  /** The simulator's clock, offset included, as an HTTP Date header reads. */
  httpDate(): string {
    return new Date(this.now() + this.clockOffsetSec * 1000).toUTCString();
  }

  /** `receivedAt`: when the request arrived (its headers), which is when CAM's windows count it. Default now. */
  async handle(request: SignedHttpRequest, receivedAt = this.now()): Promise<Reply> {
    const requestId = randomUUID();
    const entry: LoggedRequest = {
      t: receivedAt,
      action: header(request, "x-tc-action") ?? "",
      requestId,
      targetUin: null,
      outcome: "OK",
      secretId: parseAuthorization(header(request, "authorization"))?.secretId ?? null,
    };
    let lost = false;
    const finish = (outcome: string, reply: Reply): Reply => {
      this.log.record({ ...entry, outcome });
      return lost ? { kind: "lost" } : reply;
    };
    try {
      const action = this.checkShape(request);
      const key = authenticate(request, {
        nowSec: Math.floor(entry.t / 1000) + this.clockOffsetSec,
        // A key inside its propagation delay is not known yet, as a real gateway would not know it.
        findKey: (id) => {
          const found = this.state.key(id);
          return found !== undefined && (found.authenticatesFrom ?? 0) <= entry.t ? found : undefined;
        },
        ...(this.settings.requireService ? { requireService: serviceOf(action) } : {}),
      });
      this.answers.recordUse(key, entry.t);
      key.lastUsedAt = entry.t;
      if (!this.window.tryAdmit(rateWindowKey(key.ownerUin, action), this.rateLimits()[action], entry.t)) {
        throw new SimApiError(
          THROTTLED,
          `more than ${this.rateLimits()[action]} ${action} calls per second for account ${key.ownerUin}`
        );
      }
      const fault = this.faults.take(action);
      if (fault !== undefined) entry.fault = fault.fault;
      switch (fault?.fault) {
        case undefined:
          break;
        case "error":
          throw new SimApiError(fault.code, fault.message ?? "injected by the simulator");
        case "http":
          return finish(`Fault.HttpStatus${fault.status}`, { kind: "http", status: fault.status });
        case "garbage":
          return finish("Fault.Garbage", { kind: "garbage" });
        case "latency":
          await sleep(fault.ms, undefined, { signal: this.closing.signal }).catch(() => undefined);
          if (this.closing.signal.aborted) return { kind: "lost" };
          break;
        case "lostResponse":
          lost = true;
          break;
        case "nullAccessKey":
          break;
      }
      const body = this.run(action, request.body, key.authenticatesAs ?? key.uin, entry);
      const answer = fault?.fault === "nullAccessKey" ? { ...body, AccessKey: null } : body;
      return finish("OK", { kind: "json", body: successEnvelope(answer, requestId) });
    } catch (error) {
      const failure =
        error instanceof SimApiError
          ? error
          : new SimApiError("InternalError", `simulator failure: ${(error as Error).message}`);
      return finish(failure.code, { kind: "json", body: errorEnvelope(failure.code, failure.message, requestId) });
    }
  }

  /** Method, action and version, checked before the signature as Tencent's gateway does. */
  private checkShape(request: SignedHttpRequest): CamAction {
    if (request.method !== "POST" || request.path !== "/") {
      throw new SimApiError("InvalidParameter", "the simulator answers POST / with a JSON body only");
    }
    const action = header(request, "x-tc-action");
    if (action === undefined) throw new SimApiError("MissingParameter", "the X-TC-Action header is missing");
    if (!isCamAction(action)) throw new SimApiError("InvalidAction", `action ${action} is not supported`);
    const service = serviceOf(action);
    const version = header(request, "x-tc-version");
    if (version === undefined) throw new SimApiError("MissingParameter", "the X-TC-Version header is missing");
    if (version !== SERVICES[service].version) {
      throw new SimApiError("NoSuchVersion", `${service.toUpperCase()} has no version ${version} of ${action}`);
    }
    if (service === "sts" && !header(request, "x-tc-region")) {
      throw new SimApiError("MissingParameter", "the X-TC-Region header is missing (STS needs a Region)");
    }
    return action;
  }

  private run<A extends CamAction>(
    action: A,
    body: Buffer,
    callerUin: number,
    entry: LoggedRequest
  ): Record<string, unknown> {
    // Looked up again here: a latency fault may have slept through a reset.
    const caller = this.state.user(callerUin);
    const account = caller && this.state.account(caller.ownerUin);
    if (caller === undefined || account === undefined) {
      throw new SimApiError("AuthFailure.SecretIdNotFound", "the SecretId does not exist, or the key is disabled");
    }
    if (caller.switches.deny.has(action)) {
      throw new SimApiError("AuthFailure.UnauthorizedOperation", `user ${caller.uin} has no permission for ${action}`);
    }
    const ctx: ActionContext = {
      state: this.state,
      caller,
      account,
      now: entry.t,
      switches: this.switches,
      requireInactiveBeforeDelete: this.requireInactiveBeforeDelete(),
      noteTarget: (uin) => {
        entry.targetUin = uin;
      },
    };
    let answer: Record<string, unknown>;
    try {
      answer = handlers[action](ctx, parseParams(action, body));
    } catch (error) {
      throw error instanceof SimApiError ? this.answers.shapeError(action, error) : error;
    }
    return this.answers.shape(action, answer, entry.t, (id) => this.state.key(id));
  }

  private rateLimits(): Record<CamAction, number> {
    return { ...DEFAULT_RATE_LIMITS, ...this.seed.rateLimits };
  }

  private requireInactiveBeforeDelete(): boolean {
    return this.seed.requireInactiveBeforeDelete ?? this.settings.requireInactiveBeforeDelete ?? false;
  }
}

function header(request: SignedHttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

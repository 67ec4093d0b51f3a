// One EngineObserver that calls several (metrics, notifications), each hook in turn. A hook that throws is
// reported to the caller's log and never stops the others or the engine.
import type { EngineObserver } from "../jobs/engine/face.js";

type Hook = keyof EngineObserver;

/**
 * Every hook of EngineObserver. `satisfies` makes a hook added to the interface and missing here a compile error,
 * so a new hook cannot silently stop reaching the metrics when notifications are on.
 */
const HOOKS = {
  rotationFinished: true,
  keyFlagged: true,
  retirementHeld: true,
  recordRejected: true,
  vaultAlert: true,
  unknownAccount: true,
  jobLockLost: true,
} as const satisfies Record<Hook, true>;

export function combineObservers(
  observers: ReadonlyArray<EngineObserver | undefined>,
  onError: (error: unknown) => void
): EngineObserver {
  const present = observers.filter((observer): observer is EngineObserver => observer !== undefined);
  const each =
    (hook: Hook) =>
    (...args: unknown[]) => {
      for (const observer of present) {
        try {
          (observer[hook] as ((...a: unknown[]) => void) | undefined)?.(...args);
        } catch (error) {
          onError(error);
        }
      }
    };
  return Object.fromEntries((Object.keys(HOOKS) as Hook[]).map((hook) => [hook, each(hook)]));
}

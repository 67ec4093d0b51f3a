// One EngineObserver that calls several (metrics, notifications), each hook in turn. A hook that throws is
// reported to the caller's log and never stops the others or the engine.
import type { EngineObserver } from "../jobs/engine/face.js";

export function combineObservers(observers: ReadonlyArray<EngineObserver | undefined>, onError: (error: unknown) => void): EngineObserver {
  const present = observers.filter((observer): observer is EngineObserver => observer !== undefined);
  const each = <K extends keyof EngineObserver>(hook: K) => (...args: Parameters<NonNullable<EngineObserver[K]>>) => {
    for (const observer of present) {
      try {
        (observer[hook] as ((...a: typeof args) => void) | undefined)?.(...args);
      } catch (error) {
        onError(error);
      }
    }
  };
  return {
    rotationFinished: each("rotationFinished"),
    keyFlagged: each("keyFlagged"),
    retirementHeld: each("retirementHeld"),
  };
}

// Every SecretAccessKey the in-process simulator hands out, including those of answers that a fault then lost:
// the secret scan looks for all of them. A tap on SimState.createKey (observation only: it calls through).
import { SimState } from "../src/cam/simulator/state.js";

export interface SecretTap {
  readonly secrets: Set<string>;
  stop(): void;
}

/** `onSecret` also hears each one (the simulator child process writes them to a file for the driver). */
export function tapIssuedSecrets(onSecret?: (secret: string) => void): SecretTap {
  const original = SimState.prototype.createKey;
  const secrets = new Set<string>();
  SimState.prototype.createKey = function createKeyTapped(this: SimState, ...args: Parameters<SimState["createKey"]>) {
    const key = original.apply(this, args);
    secrets.add(key.secretAccessKey);
    onSecret?.(key.secretAccessKey);
    return key;
  };
  return {
    secrets,
    stop() {
      SimState.prototype.createKey = original;
    },
  };
}

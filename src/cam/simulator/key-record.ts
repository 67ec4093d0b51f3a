// One access key as the simulator holds it, secret included. Its own module so that the answer switches can
// read keys without importing the state (which imports the seed, which imports the switches).
import type { KeyStatus } from "../types.js";

export interface KeyRecord {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly ownerUin: number;
  readonly uin: number;
  status: KeyStatus;
  readonly createTime: string;
  readonly description?: string;
  /** Epoch ms of the last call this key signed successfully; null when never used. */
  lastUsedAt: number | null;
  /** Epoch ms from which the key authenticates (switch newKeyAuthDelayMs); 0 for seeded keys. */
  readonly authenticatesFrom?: number;
  /** The user the key signs as, when not its holder (switch newKeysAuthenticateAs); null normally. */
  readonly authenticatesAs?: number | null;
}

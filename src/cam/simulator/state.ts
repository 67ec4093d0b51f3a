// The simulator's world: accounts, their users and keys. Secrets live only here; views for the control plane
// are built field by field so a secret cannot slip out.
import type { KeyStatus } from "../types.js";
import type { UserSwitches } from "./switches.js";
import { camTime } from "./cam-time.js";
import { newAccessKeyId, newSecretAccessKey } from "./ids.js";
import type { KeyRecord } from "./key-record.js";
import type { Seed } from "./seed.js";

export type { KeyRecord };

export const MAX_KEYS_PER_USER = 2;

export interface UserRecord {
  readonly uin: number;
  readonly ownerUin: number;
  readonly name: string;
  /** The main account, or a sub-user marked admin: manages every user of its account. */
  readonly admin: boolean;
  readonly uid: number;
  readonly remark?: string;
  readonly createTime: string;
  /** Flipped by the control plane on a running simulator. */
  switches: UserSwitches;
}

export interface AccountRecord {
  readonly ownerUin: number;
  readonly appId: number;
}

export interface KeyView {
  accessKeyId: string;
  status: KeyStatus;
  createTime: string;
  description?: string;
  lastUsedAt: number | null;
}

export interface NewKeyOptions {
  status?: KeyStatus;
  createTime?: string;
  description?: string;
  authenticatesFrom?: number;
  authenticatesAs?: number | null;
}

export interface StateView {
  accounts: Array<
    AccountRecord & {
      users: Array<{ uin: number; name: string; admin: boolean; uid: number; keys: KeyView[] }>;
    }
  >;
}

export class SimState {
  private readonly accounts = new Map<number, AccountRecord>();
  private readonly users = new Map<number, UserRecord>();
  private readonly keys = new Map<string, KeyRecord>();

  constructor(seed: Seed, now: number) {
    let nextUid = 100_000_001;
    for (const account of seed.accounts) {
      this.accounts.set(account.ownerUin, { ownerUin: account.ownerUin, appId: account.appId });
      for (const user of account.users) {
        this.users.set(user.uin, {
          uin: user.uin,
          ownerUin: account.ownerUin,
          name: user.name,
          admin: user.admin || user.uin === account.ownerUin,
          uid: user.uid ?? nextUid++,
          createTime: user.createTime ?? camTime(now),
          ...(user.remark === undefined ? {} : { remark: user.remark }),
          switches: { deny: new Set(user.deny ?? []), newKeysAuthenticateAs: user.newKeysAuthenticateAs ?? null },
        });
        for (const key of user.keys) {
          this.keys.set(key.accessKeyId, {
            accessKeyId: key.accessKeyId,
            secretAccessKey: key.secretAccessKey ?? newSecretAccessKey(),
            ownerUin: account.ownerUin,
            uin: user.uin,
            status: key.status,
            createTime: key.createTime ?? camTime(now),
            lastUsedAt: key.lastUsedAt,
            authenticatesFrom: 0,
            authenticatesAs: null,
            ...(key.description === undefined ? {} : { description: key.description }),
          });
        }
      }
    }
  }

  account(ownerUin: number): AccountRecord | undefined {
    return this.accounts.get(ownerUin);
  }

  user(uin: number): UserRecord | undefined {
    return this.users.get(uin);
  }

  key(accessKeyId: string): KeyRecord | undefined {
    return this.keys.get(accessKeyId);
  }

  usersOf(ownerUin: number): UserRecord[] {
    return [...this.users.values()].filter((user) => user.ownerUin === ownerUin);
  }

  keysOf(uin: number): KeyRecord[] {
    return [...this.keys.values()].filter((key) => key.uin === uin);
  }

  hasRoomForKey(uin: number): boolean {
    return this.keysOf(uin).length < MAX_KEYS_PER_USER;
  }

  /** Adds a fresh key, Active unless told otherwise; the caller has checked hasRoomForKey. */
  createKey(user: UserRecord, now: number, options: NewKeyOptions = {}): KeyRecord {
    let accessKeyId = newAccessKeyId();
    while (this.keys.has(accessKeyId)) accessKeyId = newAccessKeyId();
    const key: KeyRecord = {
      accessKeyId,
      secretAccessKey: newSecretAccessKey(),
      ownerUin: user.ownerUin,
      uin: user.uin,
      status: options.status ?? "Active",
      createTime: options.createTime ?? camTime(now),
      lastUsedAt: null,
      authenticatesFrom: options.authenticatesFrom ?? 0,
      authenticatesAs: options.authenticatesAs ?? null,
      ...(options.description === undefined ? {} : { description: options.description }),
    };
    this.keys.set(accessKeyId, key);
    return key;
  }

  deleteKey(accessKeyId: string): void {
    this.keys.delete(accessKeyId);
  }

  /** Everything but secrets. */
  view(): StateView {
    return {
      accounts: [...this.accounts.values()].map((account) => ({
        ownerUin: account.ownerUin,
        appId: account.appId,
        users: this.usersOf(account.ownerUin).map((user) => ({
          uin: user.uin,
          name: user.name,
          admin: user.admin,
          uid: user.uid,
          keys: this.keysOf(user.uin).map(keyView),
        })),
      })),
    };
  }
}

export function keyView(key: KeyRecord): KeyView {
  return {
    accessKeyId: key.accessKeyId,
    status: key.status,
    createTime: key.createTime,
    lastUsedAt: key.lastUsedAt,
    ...(key.description === undefined ? {} : { description: key.description }),
  };
}

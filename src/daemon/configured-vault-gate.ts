// The vault's quota gate as the config describes it: the AWS vault's region (and endpoint, when not AWS), its
// `vault.rateLimits`, and the limiter section's wait, penalty and margin. The file vault has no quota. Its
// rotation turns join the accounts' turns: a rotation starts when both its account and the vault have room.
import type { Redis } from "ioredis";
import {
  createVaultQuotaGate,
  vaultQuotaScope,
  type VaultLimiterEvent,
  type VaultQuotaGate,
} from "../cam/limiter/vault-quota-gate.js";
import type { Config } from "../config/index.js";
import { TURN_SLEEP_MAX_MS, type RotationTurns } from "../jobs/turns.js";

export function createConfiguredVaultGate(
  config: Config,
  redis: Redis,
  observe?: (event: VaultLimiterEvent) => void
): VaultQuotaGate | undefined {
  const vault = config.vault;
  if (vault.type !== "aws-secrets-manager") return undefined;
  return createVaultQuotaGate({
    redis,
    prefix: config.redis.prefix,
    scope: vaultQuotaScope(vault.region, vault.endpoint),
    limits: vault.rateLimits,
    maxWaitMs: config.limiter.maxWait,
    penaltyMs: config.limiter.penalty,
    safetyMarginMs: config.limiter.safetyMargin,
    ...(observe ? { observe } : {}),
  });
}

/**
 * The later of the account's turn and the vault's. Without the vault's turns, accounts whose CAM limits add up to
 * more rotations than the writes pool takes would start them all, and the surplus would wait at the write gate
 * holding freshly created keys, until a wait past limiter.maxWait deleted them again at the stage step.
 * A vault turn is taken only when the account's own turn is near: a job that parks behind its account's backlog
 * must not hold a shared vault turn it cannot use (that starved the other accounts: 0.65 of the CAM limit with
 * three accounts queued one after another, against 0.94 without vault turns).
 */
export function withVaultTurns(turns: RotationTurns, vault: VaultQuotaGate): RotationTurns {
  return {
    async reserveRotationTurn(account) {
      const accountWaitMs = await turns.reserveRotationTurn(account);
      if (accountWaitMs > TURN_SLEEP_MAX_MS) return accountWaitMs;
      return Math.max(accountWaitMs, await vault.reserveRotationTurn());
    },
  };
}

// Key material that looks like CAM's: AccessKeyId "AKID" + 32 letters and digits, a secret of 40 of them.
import { randomBytes } from "node:crypto";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
// 248 = 4 * 62: bytes at or above it are dropped so every character is equally likely.
const UNBIASED_BELOW = 248;

export function randomAlphanumeric(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < UNBIASED_BELOW) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
      if (out.length === length) break;
    }
  }
  return out;
}

export function newAccessKeyId(): string {
  return `AKID${randomAlphanumeric(32)}`;
}

export function newSecretAccessKey(): string {
  return randomAlphanumeric(40);
}

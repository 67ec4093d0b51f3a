// An internal failure of the file vault, turned into a VaultError (with operation and secret) at the adapter's edge.
// Also maps file-system error codes to kinds, naming the path and the code only.
import type { VaultErrorKind } from "./port.js";

export class FileVaultFault extends Error {
  override readonly name = "FileVaultFault";
  constructor(
    readonly kind: VaultErrorKind,
    detail: string
  ) {
    super(detail);
  }
}

// Conditions that can clear up by themselves; everything else (permissions, read-only, not a directory) cannot.
const TRANSIENT_CODES = new Set(["EAGAIN", "EBUSY", "EINTR", "EMFILE", "ENFILE", "ENOSPC", "EDQUOT", "ETIMEDOUT"]);

const EXPLANATIONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  EISDIR: "is a directory",
  ENOTDIR: "a parent is not a directory",
  ENOSPC: "no space left",
};

/** A fault for a failed file-system call; `what` says what was being done, e.g. "write vault file /x/v.json". */
export function faultFromFs(what: string, error: unknown): FileVaultFault {
  if (error instanceof FileVaultFault) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== "string")
    return new FileVaultFault("permanent", `${what}: unexpected ${(error as Error | undefined)?.name ?? "error"}`);
  const explanation = EXPLANATIONS[code];
  return new FileVaultFault(
    TRANSIENT_CODES.has(code) ? "transient" : "permanent",
    `${what}: ${code}${explanation ? ` (${explanation})` : ""}`
  );
}

// Tests that spawn the real binary run dist/. `npm test` builds first (pretest); a direct `npx vitest run`
// after editing src/ would test stale code, so the global setup rebuilds once when src/ is newer than dist/.
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function newestMtime(dir: string, accept: (name: string) => boolean): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return newestMtime(path, accept);
      return accept(entry.name) ? statSync(path).mtimeMs : 0;
    })
  );
}

export function ensureFreshBuild(): void {
  const built = (() => {
    try {
      return newestMtime("dist", (name) => name.endsWith(".js"));
    } catch {
      return 0;
    }
  })();
  if (built >= newestMtime("src", (name) => name.endsWith(".ts") || name.endsWith(".lua"))) return;
  try {
    execFileSync("npm", ["run", "--silent", "build"], { stdio: "inherit" });
  } catch {
    // tsc still emits on type errors; `npm test` (pretest) and `npm run typecheck` are where those fail hard.
    console.warn("warning: `npm run build` reported errors; tests that spawn dist/cli.js may run partial code");
  }
}

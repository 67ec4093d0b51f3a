// tsc compiles only .ts; the limiter's Lua scripts ship beside the compiled code.
import { cpSync, readdirSync, statSync, mkdirSync } from "node:fs";
import { join, relative, dirname } from "node:path";

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });

for (const file of walk("src").filter((f) => f.endsWith(".lua"))) {
  const target = join("dist", relative("src", file));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(file, target);
}

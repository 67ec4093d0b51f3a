// `npm run bench:docs`: regenerates the result blocks of docs/benchmarks.md and README.md from the committed
// results under docs/benchmarks/ (see bench/docs.ts). Bad input exits 2 naming the file and writes nothing.
import { join } from "node:path";
import { generateBenchDocs } from "../bench/docs.js";

try {
  const changed = generateBenchDocs({ root: join(import.meta.dirname, "..") });
  process.stdout.write(changed.length > 0 ? `bench:docs: rewrote ${changed.join(", ")}\n` : "bench:docs: up to date\n");
} catch (error) {
  process.stderr.write(`bench:docs: ${(error as Error).message}\n`);
  process.exit(2);
}

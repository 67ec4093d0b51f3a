// A progress line for long operations (sweep over many users). On a terminal it redraws one line; in a pipe
// it prints at most one line a second plus the final count, so logs stay readable.
export function progressReporter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  now: () => number = Date.now
): (done: number, total: number) => void {
  let lastPrinted = 0;
  return (done, total) => {
    const final = done >= total;
    if (!final && now() - lastPrinted < (stream.isTTY ? 100 : 1_000)) return;
    lastPrinted = now();
    const text = `${label}: ${done}/${total}`;
    if (stream.isTTY) stream.write(`\r${text}${final ? "\n" : ""}`);
    else stream.write(`${text}\n`);
  };
}

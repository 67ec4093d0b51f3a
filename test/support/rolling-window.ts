// Counting calls the way CAM and the simulator do: a rolling window (t - length, t], half-open. The tests and
// the benchmark use it to check the limiter's bound on recorded timestamps.

/** The largest number of `times` that fall into any one window (t - length, t]. */
export function maxInRollingWindow(times: readonly number[], length: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    // The fullest window ends on some timestamp; drop those at or before its start.
    while (sorted[first]! <= sorted[last]! - length) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

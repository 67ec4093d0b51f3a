// A strict rolling window: a request is admitted when fewer than `limit` requests were admitted in the last
// `windowMs` (those with t > now - windowMs). Rejected requests leave no trace, so a client that backs off is
// admitted again as soon as the oldest admitted request ages out.
export class RollingWindow {
  private readonly admitted = new Map<string, number[]>();

  constructor(private readonly windowMs = 1000) {}

  tryAdmit(key: string, limit: number, now: number): boolean {
    const times = this.admitted.get(key) ?? [];
    while (times.length > 0 && times[0]! <= now - this.windowMs) times.shift();
    if (times.length >= limit) {
      this.admitted.set(key, times);
      return false;
    }
    times.push(now);
    this.admitted.set(key, times);
    return true;
  }
}

/** Limits are per account and action. */
export function rateWindowKey(ownerUin: number, action: string): string {
  return `${ownerUin}/${action}`;
}

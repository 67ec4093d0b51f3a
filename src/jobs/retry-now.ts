// A short in-process retry for calls whose transient failures usually pass within a second or two (a vault
// write, a promote). Longer outages are left to the job's own attempts and backoff.
import { isRetryableNow } from "./failures.js";

export async function retryNow<T>(
  call: () => Promise<T>,
  sleep: (ms: number) => Promise<void>,
  options: { tries: number; firstDelayMs: number } = { tries: 3, firstDelayMs: 200 }
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= options.tries || !isRetryableNow(error)) throw error;
      await sleep(options.firstDelayMs * 2 ** (attempt - 1));
    }
  }
}

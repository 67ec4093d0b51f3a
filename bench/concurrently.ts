// Runs `work` over `items` with at most `width` in flight, keeping each item's result in place.
export async function concurrently<T, R>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<R>
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    })
  );
  return results;
}

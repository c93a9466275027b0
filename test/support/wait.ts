/** Small waiting helpers shared by the tests. They poll; they make no timing claims. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retries `check` (which throws until satisfied) until it passes or `timeoutMs` elapses. */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 10_000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(intervalMs);
    }
  }
}

let counter = 0;
/** A destination name unique to this run, so tests sharing a broker never see each other's messages. */
export function randomName(prefix: string): string {
  return `umq${Date.now().toString(36)}${(counter++).toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}.${prefix}`;
}

/** Reads `count` messages from an async iterable, then stops iterating. */
export async function collect<T>(iterable: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  if (count === 0) return out;
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= count) break;
  }
  return out;
}

import { Repeater } from "@graphql-yoga/subscription";

/**
 * Turns a stream of "these keys changed" messages into at most one id per key per `gapMs`: the
 * first change of a quiet key goes out at once, later ones within the gap are merged into one
 * that goes out when the gap ends. `first`, when given, goes out before anything else and counts
 * as that key's last emission. Real time, not the injected clock: this paces network messages.
 */
export function coalesceKeyChanges(
  source: AsyncIterableIterator<{ apiKeyIds: string[] } | null> & { return?(): unknown },
  gapMs: number,
  accept: (apiKeyId: string) => boolean,
  first?: string,
): Repeater<string> {
  return new Repeater<string>(async (push, stop) => {
    const lastSent = new Map<string, number>();
    const pending = new Map<string, NodeJS.Timeout>();
    const send = (id: string) => {
      pending.delete(id);
      lastSent.set(id, performance.now());
      void push(id);
    };
    if (first !== undefined) send(first);
    const consume = (async () => {
      for await (const message of source) {
        for (const id of message?.apiKeyIds ?? []) {
          if (!accept(id) || pending.has(id)) continue;
          const wait = (lastSent.get(id) ?? -Infinity) + gapMs - performance.now();
          if (wait <= 0) send(id);
          else
            pending.set(
              id,
              setTimeout(() => send(id), wait),
            );
        }
      }
    })();
    await stop;
    for (const timer of pending.values()) clearTimeout(timer);
    await source.return?.();
    await consume.catch(() => undefined);
  });
}

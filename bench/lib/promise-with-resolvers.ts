/**
 * `Promise.withResolvers` (Node ≥ 22) for PostGraphile 5 on Node 20: every v5 package requires Node ≥ 22 and its
 * planner calls it, so without it every query fails with "Cannot read properties of undefined (reading 'items')".
 * The benchmark loads this file before v5 (`node --require`, `postgraphile.ts`); nothing else loads it.
 */
interface WithResolvers {
  withResolvers?<T>(): { promise: Promise<T>; resolve(value: T | PromiseLike<T>): void; reject(reason?: unknown): void };
}

const PromiseClass = Promise as unknown as WithResolvers & PromiseConstructor;
if (typeof PromiseClass.withResolvers !== "function") {
  PromiseClass.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import { monitorArguments, RedisMonitor } from "../support/redis-monitor";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

it("reads a MONITOR line's arguments as Redis quoted them", () => {
  const line = String.raw`+1796587705.569842 [0 127.0.0.1:40426] "publish" "a\"b c" "x\\y" "line\r\n" "\xe2\x82\xac" ""`;
  expect(monitorArguments(line)).toEqual(["publish", 'a"b c', "x\\y", "line\r\n", "\u00e2\u0082\u00ac", ""]);
});

it("starts while Redis is busy with other clients' commands, and shows the commands sent once it has started", async () => {
  const busy = new Redis(REDIS_URL);
  const marker = `monitor-test-${randomUUID()}`;
  let stop = false;
  // Commands arriving all the time, so that one lands in the same read as MONITOR's OK (what broke ioredis's `monitor()`).
  const load = (async () => {
    while (!stop) await Promise.all(Array.from({ length: 50 }, () => busy.exists(`${marker}-load`)));
  })();
  try {
    for (let i = 0; i < 30; i++) {
      const seen: string[][] = [];
      const monitor = await RedisMonitor.start(REDIS_URL, (args) => {
        if (args[1] === `${marker}-${i}`) seen.push(args);
      });
      try {
        const shown = monitor.shown((args) => args[1] === `${marker}-${i}`);
        await busy.exists(`${marker}-${i}`);
        await shown;
        expect(seen).toEqual([["exists", `${marker}-${i}`]]);
      } finally {
        monitor.close();
      }
    }
  } finally {
    stop = true;
    await load;
    busy.disconnect();
  }
});

import pino, { DestinationStream, Logger } from "pino";
import type SonicBoom from "sonic-boom";

/**
 * Structured JSON logs. Anything that could carry a credential is redacted wherever it appears,
 * as a second line of defence: the code never passes a secret to the logger in the first place.
 */
export const REDACT_PATHS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "*.headers.authorization",
  "password",
  "*.password",
  "*.*.password",
  "secret",
  "*.secret",
  "*.*.secret",
  "token",
  "*.token",
  "*.*.token",
  "variables",
  "*.variables",
  "cookie",
  "*.cookie",
  "headers.cookie",
  "*.headers.cookie",
  "req.headers.cookie",
  "*.*.authorization",
  "connectionParams",
  "*.connectionParams",
  "*.*.*.password",
  "*.*.*.secret",
  "*.*.*.token",
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "grantql" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? stdoutDestination(),
  );
}

/** Log bytes held while stdout does not take them; beyond it lines are dropped, never queued without bound. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
/** How long stdout may refuse every write (a full pipe) before logging gives up on it. */
const MAX_STALL_MS = 10_000;

/**
 * stdout, asynchronously, such that a lost reader never wedges the process. A pipe whose reader is
 * gone fails (EPIPE) or stays full (EAGAIN): pino's own handling drops lines after EPIPE, but on
 * EAGAIN it retries for ever, and at exit it flushes synchronously in a busy loop, so a SIGTERM
 * never ends. Here a stall longer than MAX_STALL_MS, any write error, or exiting with stdout full
 * switches logging off (said once on stderr) and the server goes on.
 */
export function stdoutDestination(fd = 1): DestinationStream {
  let exiting = false;
  // Registered before pino's exit hook, so its synchronous flush sees it and does not spin.
  process.once("exit", () => (exiting = true));
  let stalledSince = 0;
  const stream: SonicBoom = pino.destination({
    dest: fd,
    sync: false,
    maxLength: MAX_PENDING_BYTES,
    retryEAGAIN: () => {
      stalledSince ||= Date.now();
      return !exiting && Date.now() - stalledSince < MAX_STALL_MS;
    },
  });
  stream.on("write", () => (stalledSince = 0));
  const flushSync = stream.flushSync.bind(stream);
  stream.flushSync = () => {
    try {
      flushSync();
    } catch {
      // stdout is gone or full at exit: what it did not take is lost, and the exit goes on.
    }
  };
  stream.on("error", (error: NodeJS.ErrnoException) => silence(stream, error));
  return stream;
}

function silence(stream: SonicBoom, error: NodeJS.ErrnoException): void {
  const noop = () => undefined;
  Object.assign(stream, { write: () => true, flush: noop, flushSync: noop, end: noop });
  process.stderr.write(`grantql: stdout stopped taking log lines (${error.code ?? error.message}); further log lines are dropped\n`);
}

export type { Logger };

import pino, { DestinationStream, Logger } from "pino";
import { StdoutDestination } from "./stdout-destination";

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

/** One writer for the process's stdout, whichever loggers share it, so their lines never interleave. */
let stdout: StdoutDestination | undefined;

function sharedStdout(): StdoutDestination {
  stdout ??= new StdoutDestination();
  return stdout;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "grantql" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Not pino.destination(): a stdout whose reader has gone must never wedge the process (see StdoutDestination).
    destination ?? sharedStdout(),
  );
}

/** Resolves once the logger's pending lines are written, or after `timeoutMs` (a stuck stdout must not hold up an exit). */
export function flushLogger(logger: Logger, timeoutMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, timeoutMs);
    logger.flush(() => resolve());
  });
}

export type { Logger };

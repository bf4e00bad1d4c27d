import { createHmac, timingSafeEqual } from "node:crypto";
import express, { NextFunction, Request, Response, Router } from "express";
import type { Logger } from "../logger";
import type { LeakReportEntry, LeakReportService } from "./leak-report.service";

export const MAX_LEAK_BODY_BYTES = 1024 * 1024;
export const MAX_LEAK_TOKENS = 1000;
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** Whether `header` is `sha256=<hex HMAC-SHA256 of body>` under `secret`, compared in constant time. */
export function signatureMatches(secret: string, body: Buffer, header: unknown): boolean {
  const match = typeof header === "string" ? SIGNATURE.exec(header.trim()) : null;
  if (!match) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(Buffer.from(match[1], "hex"), expected);
}

/** A JSON array of 1–1,000 objects, each with a string `token`; null otherwise. */
export function readLeakReport(body: Buffer): LeakReportEntry[] | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_LEAK_TOKENS) return null;
  const ok = value.every(
    (e) => typeof e === "object" && e !== null && !Array.isArray(e) && typeof (e as { token?: unknown }).token === "string",
  );
  return ok ? (value as LeakReportEntry[]) : null;
}

const fail = (res: Response, status: number, message: string) => void res.status(status).json({ error: message });

/**
 * `POST /leaks`, checked in this order: no LEAK_REPORT_SECRET 404, a body over 1 MiB 413, a missing
 * or wrong signature 401, a malformed body 400; then 200 with one answer per token, in order.
 */
export function leakRoutes(leaks: LeakReportService, logger: Logger): Router {
  const router = express.Router();
  router.post(
    "/leaks",
    (_req: Request, res: Response, next: NextFunction) => (leaks.secret ? next() : fail(res, 404, "Not found")),
    express.raw({ type: () => true, limit: MAX_LEAK_BODY_BYTES }),
    async (req: Request, res: Response) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!signatureMatches(leaks.secret!, body, req.headers["x-leak-report-signature"]))
        return fail(res, 401, "Missing or wrong X-Leak-Report-Signature");
      const entries = readLeakReport(body);
      if (!entries) return fail(res, 400, `Body must be a JSON array of 1 to ${MAX_LEAK_TOKENS} objects, each with a string "token"`);
      try {
        res.json(await leaks.report(entries));
      } catch (error) {
        logger.error({ err: error }, "leak report could not be processed");
        fail(res, 503, "The report could not be processed; send it again");
      }
    },
  );
  router.use("/leaks", (error: { status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (error.status === 413) return fail(res, 413, "Body is larger than 1 MiB");
    fail(res, 400, "Body could not be read");
  });
  return router;
}

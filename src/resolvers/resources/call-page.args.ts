import { PageArgs, readPageArgs } from "../../common/pagination";
import { FieldErrors } from "../../common/validation";
import { DEFAULT_PAGE_SIZE } from "../../resources/resource.service";

/** `calls(first, after)` on agents, contacts and leads: the same page rules as the top-level lists. */
export function readCallPage(first: number | null | undefined, after: string | null | undefined): PageArgs {
  const errors = new FieldErrors();
  const page = readPageArgs(first, after, errors, DEFAULT_PAGE_SIZE);
  errors.throwIfAny();
  return page;
}

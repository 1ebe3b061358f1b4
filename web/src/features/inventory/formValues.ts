// Form text to request values, untouched where the server has to judge it: a value that is
// not a whole number is passed on as typed so the server's message names the field.
import { ApiProblem } from "../../api/client";

/** A whole number when the text is one, the text otherwise, undefined when blank. */
export function wholeNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : (trimmed as unknown as number);
}

/** The server checks the rate as a fraction; say it in the percentage the form asks for. */
export function explainRate(problem: unknown, field = "tax_rate"): unknown {
  if (!(problem instanceof ApiProblem) || !problem.messageFor(field)) return problem;
  const errors = problem.errors.map((e) =>
    e.field === field ? { ...e, message: "Enter a rate from 0 to 100 %, with at most two decimals." } : e,
  );
  return new ApiProblem(problem.status, { detail: problem.message, code: problem.code, errors });
}

/** Put a problem the server gave without a field next to FIELD, where the user is looking. */
export function attachTo(problem: unknown, field: string): unknown {
  if (!(problem instanceof ApiProblem) || problem.errors.length > 0 || ![409, 422].includes(problem.status)) return problem;
  return new ApiProblem(problem.status, { detail: problem.message, code: problem.code, field });
}

import { describe, expect, it } from "vitest";
import { ApiProblem } from "./problem";

describe("ApiProblem", () => {
  it("finds each field's message, exact name first, then by its last part", () => {
    const problem = new ApiProblem(422, {
      code: "validation_error",
      detail: "items.1.qty: must be greater than 0",
      errors: [
        { field: "items.1.qty", message: "must be greater than 0" },
        { field: "customer_id", message: "not a valid UUID" },
      ],
    });
    expect(problem.status).toBe(422);
    expect(problem.message).toBe("items.1.qty: must be greater than 0");
    expect(problem.messageFor("items.1.qty")).toBe("must be greater than 0");
    expect(problem.messageFor("qty")).toBe("must be greater than 0");
    expect(problem.messageFor("customer_id")).toBe("not a valid UUID");
    expect(problem.messageFor("items.0.qty")).toBeUndefined();
  });

  it("takes a single named field as that field's error", () => {
    const problem = new ApiProblem(409, { code: "duplicate_email", detail: "a customer with email 'x' already exists", field: "email" });
    expect(problem.code).toBe("duplicate_email");
    expect(problem.messageFor("email")).toBe("a customer with email 'x' already exists");
  });

  it("says something useful for a body that is not a problem", () => {
    const problem = new ApiProblem(502, "<html>bad gateway</html>");
    expect(problem.message).toBe("The server answered 502.");
    expect(problem.errors).toEqual([]);
  });
});

import { label } from "../../lib/format";
import { ROLES } from "./queries";
import { ROLE_SUMMARY } from "./roles";

/** The server's rule for a new password (NewPassword in platform/auth/schemas.py). */
export const PASSWORD_HINT = "At least 10 characters. A long phrase is easier to remember than symbols.";

export function RoleOptions() {
  return (
    <>
      {ROLES.map((role) => (
        <option key={role} value={role}>
          {label(role)} — {ROLE_SUMMARY[role]}
        </option>
      ))}
    </>
  );
}

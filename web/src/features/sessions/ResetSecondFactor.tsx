// For an admin editing a user: remove the user's second factor (a lost phone). The user then
// signs in with the password alone, or sets up a new one at the next sign-in when the role
// requires it.
import { useMutation } from "@tanstack/react-query";
import { api, ApiProblem, call } from "../../api/client";

export function ResetSecondFactor({ userId, username }: { userId: string; username: string }) {
  const reset = useMutation({
    mutationFn: () => call(api.POST("/auth/users/{user_id}/second-factor/reset", { params: { path: { user_id: userId } } })),
  });
  const message = reset.isSuccess
    ? `Two-step sign-in was reset for ${username}.`
    : reset.error instanceof ApiProblem
      ? reset.error.message
      : "";
  return (
    <div className="field">
      <span className="field-label">Two-step sign-in</span>
      <div>
        <button className="btn btn-small" type="button" disabled={reset.isPending || reset.isSuccess} onClick={() => reset.mutate()}>
          Reset two-step sign-in
        </button>
      </div>
      <small className="muted" role="status" aria-live="polite">
        {message || "For a lost phone: the user signs in with the password alone, or sets it up again if the role requires it."}
      </small>
    </div>
  );
}

// Asks before ending a session: the device signed in there is signed out at its next request.
import { Dialog } from "../../components/Dialog";
import { FormProblem } from "../../components/ui";
import { useEndSession, type Session } from "./queries";

export function EndSessionDialog({ session, onClose, onEnded }: { session: Session | null; onClose: () => void; onEnded: (session: Session) => void }) {
  const end = useEndSession(() => {
    if (session) onEnded(session);
    onClose();
  });
  return (
    <Dialog open={session !== null} title="End session" onClose={onClose}>
      {session && (
        <form
          className="stack"
          aria-label="End session"
          onSubmit={(event) => {
            event.preventDefault();
            end.mutate(session.id);
          }}
        >
          <p>
            <strong>{session.username}</strong> on <strong>{session.device}</strong> ({session.address}) is signed out at once and has to sign in again there.
          </p>
          <FormProblem problem={end.error} fields={[]} />
          <div className="form-actions">
            <button className="btn" type="button" onClick={onClose}>
              Cancel
            </button>
            <button className="btn btn-primary" type="submit" disabled={end.isPending}>
              {end.isPending ? "Ending…" : "End session"}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

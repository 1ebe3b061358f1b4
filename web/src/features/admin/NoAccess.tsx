import { Link } from "react-router";
import { Card } from "../../components/ui";

/** What a signed-in user without the admin permission sees instead of the user list. */
export function NoAccess({ what = "Managing users and roles needs the admin role." }: { what?: string }) {
  return (
    <Card>
      <div className="state admin-no-access" data-testid="no-access">
        <svg viewBox="0 0 24 24" aria-hidden="true" className="admin-lock">
          <path d="M7 10V7a5 5 0 0 1 10 0v3h1a1 1 0 0 1 1 1v10H5V11a1 1 0 0 1 1-1h1zm2 0h6V7a3 3 0 0 0-6 0v3z" fill="currentColor" />
        </svg>
        <h2>You do not have access to this page</h2>
        <p>{what} Ask an administrator if you need a change to your account.</p>
        <Link className="btn" to="/">
          Back to the dashboard
        </Link>
      </div>
    </Card>
  );
}

import { Link } from "react-router";
import { PageHeader } from "../components/ui";

export function NotFound() {
  return (
    <>
      <PageHeader title="Page not found" subtitle="The address does not match any page." />
      <Link className="btn" to="/">
        Back to the dashboard
      </Link>
    </>
  );
}

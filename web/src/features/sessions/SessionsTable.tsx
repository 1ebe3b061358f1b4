// Live sessions: the device and address each sign-in came from, when it began and was last
// seen. Ending one stops its tokens at their next request.
import { DataTable, type Column } from "../../components/DataTable";
import { dateTime } from "../../lib/format";
import type { Session } from "./queries";

export function SessionsTable({
  sessions,
  showUser,
  onEnd,
  label,
}: {
  sessions: Session[];
  showUser: boolean;
  onEnd: (session: Session) => void;
  label: string;
}) {
  const columns: Column<Session>[] = [
    ...(showUser ? [{ header: "User", cell: (s: Session) => <span className="sessions-user" data-testid="session-user">{s.username}</span> }] : []),
    {
      header: "Device",
      cell: (s) => (
        <span className="sessions-device" title={s.user_agent || undefined}>
          <span data-testid="session-device">{s.device}</span>
          {s.current && <span className="badge badge-info">This session</span>}
        </span>
      ),
    },
    { header: "Address", cell: (s) => <span className="mono">{s.address}</span> },
    { header: "Signed in", cell: (s) => dateTime(s.started_at), className: "sessions-nowrap sessions-optional" },
    { header: "Last seen", cell: (s) => dateTime(s.last_seen_at), className: "sessions-nowrap" },
    {
      header: <span className="sr-only">Actions</span>,
      cell: (s) =>
        s.current ? (
          <span className="muted sessions-here">Use Sign out</span>
        ) : (
          <button className="btn btn-small btn-danger" type="button" aria-label={`End session of ${s.username} on ${s.device}`} onClick={() => onEnd(s)}>
            End
          </button>
        ),
      className: "sessions-actions",
    },
  ];
  return <DataTable columns={columns} rows={sessions} rowKey={(s) => s.id} label={label} testId="sessions-table" />;
}

// Everyone's sessions, for whoever may manage them: ending one signs that device out at its
// next request. Anyone else is told the page is not for them.
import { useState } from "react";
import { ApiProblem } from "../../api/client";
import { useAuth } from "../../auth/AuthContext";
import { count } from "../../lib/format";
import { useUrlOffset } from "../../lib/urlState";
import { Card, PageHeader, PageView } from "../../components/ui";
import { NoAccess } from "../admin/NoAccess";
import { EndSessionDialog } from "./EndSessionDialog";
import { PAGE_SIZE, useAllSessions, type Session } from "./queries";
import { PolicyCard } from "./PolicyCard";
import { SessionsTable } from "./SessionsTable";
import "./sessions.css";

const SUBTITLE = "Who is signed in, on which device and from where. Ending a session signs that device out at once.";

export default function AllSessionsPage() {
  const auth = useAuth();
  const [offset, setOffset] = useUrlOffset();
  const sessions = useAllSessions(offset);
  const [ending, setEnding] = useState<Session | null>(null);
  const [notice, setNotice] = useState("");
  if (sessions.error instanceof ApiProblem && sessions.error.status === 403) {
    return (
      <>
        <PageHeader title="Sessions" subtitle={SUBTITLE} />
        <NoAccess />
      </>
    );
  }
  const total = sessions.data?.total;
  return (
    <>
      <PageHeader title="Sessions" subtitle={SUBTITLE} />
      <div className="sessions-layout">
        <Card title={total === undefined ? "Live sessions" : `${count(total)} live ${total === 1 ? "session" : "sessions"}`}>
          <p className="sessions-notice" role="status" aria-live="polite">
            {notice}
          </p>
          <PageView query={sessions} offset={offset} limit={PAGE_SIZE} onOffset={setOffset}>
            {(items) => <SessionsTable sessions={items} showUser onEnd={setEnding} label="All sessions" />}
          </PageView>
        </Card>
        {auth.can("users:admin") && <PolicyCard />}
      </div>
      <EndSessionDialog session={ending} onClose={() => setEnding(null)} onEnded={(s) => setNotice(`Ended ${s.username}'s session on ${s.device}.`)} />
    </>
  );
}

// "My sessions": where you are signed in, ending a session on a device you no longer use,
// and two-step sign-in.
import { useState } from "react";
import { count } from "../../lib/format";
import { Card, PageHeader, QueryView } from "../../components/ui";
import { EndSessionDialog } from "./EndSessionDialog";
import { useMySessions, type Session } from "./queries";
import { SessionsTable } from "./SessionsTable";
import { TwoFactorCard } from "./TwoFactorCard";
import "./sessions.css";

export default function MySessionsPage() {
  const sessions = useMySessions();
  const [ending, setEnding] = useState<Session | null>(null);
  const [notice, setNotice] = useState("");
  const total = sessions.data?.total;
  return (
    <>
      <PageHeader title="My sessions" subtitle="Where you are signed in, and how you sign in." />
      <div className="sessions-layout">
        <Card title={total === undefined ? "Signed in" : `Signed in on ${count(total)} ${total === 1 ? "device" : "devices"}`}>
          <p className="sessions-notice" role="status" aria-live="polite">
            {notice}
          </p>
          <QueryView query={sessions}>{(page) => <SessionsTable sessions={page.items} showUser={false} onEnd={setEnding} label="My sessions" />}</QueryView>
        </Card>
        <TwoFactorCard />
      </div>
      <EndSessionDialog session={ending} onClose={() => setEnding(null)} onEnded={(s) => setNotice(`Ended the session on ${s.device}.`)} />
    </>
  );
}

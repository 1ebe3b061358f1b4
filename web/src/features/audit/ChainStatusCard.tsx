// The chain's status: whether every record still matches its hash and the signed
// checkpoints, and if not, the first record that does not.
import { useState } from "react";
import { ApiProblem, download } from "../../api/client";
import { count } from "../../lib/format";
import { Card, QueryView } from "../../components/ui";
import { useChainStatus } from "./queries";

export function ChainStatusCard() {
  const status = useChainStatus();
  const [exportProblem, setExportProblem] = useState("");
  const save = (format: "jsonl" | "csv") => {
    setExportProblem("");
    download(`/audit/export?format=${format}`, `audit.${format}`).catch((error: unknown) =>
      setExportProblem(error instanceof ApiProblem ? error.message : "The export failed."),
    );
  };
  return (
    <Card
      title="Chain status"
      actions={
        <button className="btn btn-small" type="button" onClick={() => status.refetch()} disabled={status.isFetching}>
          {status.isFetching ? "Verifying…" : "Verify now"}
        </button>
      }
    >
      <QueryView query={status}>
        {(s) => (
          <div className="audit-status" data-testid="chain-status" aria-live="polite">
            <p className={`audit-verdict ${s.ok ? "audit-ok" : "audit-broken"}`}>
              {s.ok ? "Intact" : `Broken at record ${s.first_bad_seq}`}
            </p>
            {!s.ok && <p className="audit-problem">{s.problem}</p>}
            <dl className="audit-facts">
              <dt>Records checked</dt>
              <dd>{count(s.records)}</dd>
              <dt>Last record</dt>
              <dd>{s.last_seq ? `#${s.last_seq}` : "none yet"}</dd>
              <dt>Signed checkpoints</dt>
              <dd>{count(s.checkpoints)}</dd>
              <dt>Last checkpoint</dt>
              <dd>{s.last_checkpoint_seq ? `at record #${s.last_checkpoint_seq}` : "none yet"}</dd>
            </dl>
          </div>
        )}
      </QueryView>
      <div className="audit-export">
        <span className="muted">Export with the chain, verifiable offline:</span>
        <button className="btn btn-small" type="button" onClick={() => save("jsonl")}>
          JSON Lines
        </button>
        <button className="btn btn-small" type="button" onClick={() => save("csv")}>
          CSV
        </button>
      </div>
      {exportProblem && (
        <p className="audit-problem" role="alert">
          {exportProblem}
        </p>
      )}
    </Card>
  );
}

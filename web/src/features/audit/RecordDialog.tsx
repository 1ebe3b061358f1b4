// One audit record: who did what, when and from where, and the fields it changed.
import { Dialog } from "../../components/Dialog";
import { dateTime } from "../../lib/format";
import { diff, shown, type AuditRecord } from "./queries";

export function RecordDialog({ record, onClose }: { record: AuditRecord | null; onClose: () => void }) {
  return (
    <Dialog open={record !== null} title={record ? `Audit record #${record.seq}` : "Audit record"} onClose={onClose}>
      {record && <RecordDetail record={record} />}
    </Dialog>
  );
}

function RecordDetail({ record }: { record: AuditRecord }) {
  const changes = diff(record);
  return (
    <div className="audit-detail" data-testid="audit-record">
      <dl className="audit-facts">
        <dt>Action</dt>
        <dd className="mono">{record.action}</dd>
        <dt>When</dt>
        <dd>{dateTime(record.at)}</dd>
        <dt>Who</dt>
        <dd>{record.actor ?? "the system"}</dd>
        <dt>From</dt>
        <dd>{record.address ?? "inside the system"}</dd>
        <dt>Subject</dt>
        <dd>
          {record.subject_type ?? "—"} <span className="mono">{record.subject_id ?? ""}</span>
        </dd>
        {record.event_id && (
          <>
            <dt>Event</dt>
            <dd className="mono">{record.event_id}</dd>
          </>
        )}
      </dl>
      {changes.length === 0 ? (
        <p className="muted">This record carries no field values.</p>
      ) : (
        <div className="table-wrap">
          <table className="audit-diff" data-testid="audit-diff">
            <caption className="sr-only">Fields before and after</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {changes.map((c) => (
                <tr key={c.field} className={c.changed ? "audit-changed" : undefined}>
                  <th scope="row" className="mono">
                    {c.field}
                    {c.changed && <span className="sr-only"> (changed)</span>}
                  </th>
                  <td className="audit-value">{shown(c.before)}</td>
                  <td className="audit-value">{shown(c.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <dl className="audit-facts audit-hashes">
        <dt>Hash</dt>
        <dd className="mono">{record.hash}</dd>
        <dt>Previous</dt>
        <dd className="mono">{record.prev_hash}</dd>
      </dl>
    </div>
  );
}

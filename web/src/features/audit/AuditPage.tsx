// The audit log: every change, sign-in and failed sign-in, newest first, searchable; a
// record's before and after; the chain's status. Needs `audit:read`.
import { useState } from "react";
import { useSearchParams } from "react-router";
import { ApiProblem } from "../../api/client";
import { count, dateTime } from "../../lib/format";
import { Card, PageHeader, QueryView } from "../../components/ui";
import { NoAccess } from "../admin/NoAccess";
import { AuditFilters } from "./AuditFilters";
import { ChainStatusCard } from "./ChainStatusCard";
import { readFilters, useAuditPage, type AuditRecord } from "./queries";
import { RecordDialog } from "./RecordDialog";
import "./audit.css";

const SUBTITLE = "Every change, sign-in and failed sign-in, chained by hash so that no record can be altered or removed unnoticed.";

export default function AuditPage() {
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const before = Number(params.get("before")) || undefined;
  const records = useAuditPage(filters, before);
  const [newer, setNewer] = useState<(number | undefined)[]>([]);
  const [open, setOpen] = useState<AuditRecord | null>(null);

  const goTo = (cursor: number | undefined) => {
    const p = new URLSearchParams(params);
    if (cursor) p.set("before", String(cursor));
    else p.delete("before");
    setParams(p);
  };

  if (records.error instanceof ApiProblem && records.error.status === 403) {
    return (
      <>
        <PageHeader title="Audit log" subtitle={SUBTITLE} />
        <NoAccess what="Reading the audit log needs the admin or accountant role." />
      </>
    );
  }

  return (
    <>
      <PageHeader title="Audit log" subtitle={SUBTITLE} />
      <div className="audit-layout">
        <Card title={records.data ? `${count(records.data.total)} ${records.data.total === 1 ? "record" : "records"}` : "Records"}>
          <AuditFilters params={params} setParams={setParams} />
          <QueryView query={records} isEmpty={(page) => page.items.length === 0} empty="No records match these filters.">
            {(page) => (
              <>
                <div className="table-wrap" aria-busy={records.isFetching && records.isPlaceholderData}>
                  <table data-testid="audit-table">
                    <caption className="sr-only">Audit records, newest first</caption>
                    <thead>
                      <tr>
                        <th scope="col" className="num">
                          #
                        </th>
                        <th scope="col">When</th>
                        <th scope="col">Who</th>
                        <th scope="col">Action</th>
                        <th scope="col">Subject</th>
                        <th scope="col" className="audit-optional">
                          From
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {page.items.map((r) => (
                        <tr key={r.seq}>
                          <td className="num">
                            <button className="btn btn-small btn-ghost mono" type="button" onClick={() => setOpen(r)} aria-label={`Record ${r.seq}: ${r.action}`}>
                              {r.seq}
                            </button>
                          </td>
                          <td className="audit-nowrap">{dateTime(r.at)}</td>
                          <td>{r.actor ?? <span className="muted">system</span>}</td>
                          <td className="mono">{r.action}</td>
                          <td className="audit-subject">
                            {r.subject_type} <span className="mono muted">{r.subject_id}</span>
                          </td>
                          <td className="audit-optional mono">{r.address ?? <span className="muted">—</span>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <nav className="pager" aria-label="Pages">
                  <button
                    className="btn btn-small"
                    type="button"
                    disabled={!before}
                    onClick={() => {
                      goTo(newer[newer.length - 1]);
                      setNewer(newer.slice(0, -1));
                    }}
                  >
                    Newer
                  </button>
                  <button
                    className="btn btn-small"
                    type="button"
                    disabled={page.next_before_seq == null}
                    onClick={() => {
                      setNewer([...newer, before]);
                      goTo(page.next_before_seq ?? undefined);
                    }}
                  >
                    Older
                  </button>
                </nav>
              </>
            )}
          </QueryView>
        </Card>
        <ChainStatusCard />
      </div>
      <RecordDialog record={open} onClose={() => setOpen(null)} />
    </>
  );
}

// Receivables: open amounts by days past due, and the invoices most overdue.
import { Link } from "react-router";
import { Card } from "../../components/ui";
import { count, date, money } from "../../lib/format";
import { AgingChart } from "./LazyCharts";
import { ReportView } from "./ReportView";
import { useAging, useOverdue } from "./queries";

export const BUCKETS: Record<string, { label: string; tick: string; colour: string }> = {
  current: { label: "Not yet due", tick: "Current", colour: "#16a34a" },
  "1-30": { label: "1–30 days late", tick: "1–30", colour: "#ca8a04" },
  "31-60": { label: "31–60 days late", tick: "31–60", colour: "#ea580c" },
  "61-90": { label: "61–90 days late", tick: "61–90", colour: "#dc2626" },
  "90+": { label: "Over 90 days late", tick: "90+", colour: "#7f1d1d" },
};

export function AgingCard() {
  const query = useAging();
  return (
    <Card title="Receivables aging" actions={query.data && <span className="muted chart-total"><strong className="chart-total-value">{money(query.data.totals.amount)}</strong> open</span>}>
      <ReportView query={query} isEmpty={(r) => r.totals.invoices === 0} empty="No open invoices: every customer is paid up.">
        {(report) => {
          const data = report.rows.map((row) => ({ key: row.bucket, tick: BUCKETS[row.bucket]?.tick ?? row.bucket, colour: BUCKETS[row.bucket]?.colour ?? "#1d4ed8", value: Number(row.amount) }));
          const summary = report.rows.map((row) => `${BUCKETS[row.bucket]?.label ?? row.bucket}: ${money(row.amount)} on ${count(row.invoices)} invoices`).join("; ");
          return (
            <>
              <AgingChart points={data} label={`Bar chart of open receivables by days past due. ${summary}.`} />
              <div className="table-wrap">
                <table className="table compact aging-table" aria-label="Open receivables by days past due">
                  <thead>
                    <tr>
                      <th scope="col">Due</th>
                      <th scope="col" className="num">
                        Invoices
                      </th>
                      <th scope="col" className="num">
                        Amount
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.rows.map((row) => (
                      <tr key={row.bucket} data-testid={`aging-${row.bucket}`}>
                        <td>
                          <span className="swatch" style={{ background: BUCKETS[row.bucket]?.colour }} aria-hidden="true" />
                          {BUCKETS[row.bucket]?.label ?? row.bucket}
                        </td>
                        <td className="num">{count(row.invoices)}</td>
                        <td className="num">{money(row.amount)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          );
        }}
      </ReportView>
    </Card>
  );
}

export function OverdueCard() {
  const query = useOverdue(5);
  return (
    <Card
      title="Overdue invoices"
      actions={query.data && query.data.totals.invoices > 0 && <span className="muted chart-total"><strong className="chart-total-value">{money(query.data.totals.balance)}</strong> · {count(query.data.totals.invoices)} {query.data.totals.invoices === 1 ? "invoice" : "invoices"}</span>}
    >
      <ReportView query={query} isEmpty={(r) => r.rows.length === 0} empty="No invoice is overdue.">
        {(report) => (
          <div className="table-wrap">
            <table className="table compact" aria-label="Most overdue invoices">
              <thead>
                <tr>
                  <th scope="col">Invoice</th>
                  <th scope="col">Due</th>
                  <th scope="col" className="num">
                    Balance
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.rows.map((row) => (
                  <tr key={row.invoice_id} className={row.days_overdue > 30 ? "row-alert" : undefined}>
                    <td>
                      <Link to={`/billing/invoices/${row.invoice_id}`}>{row.number}</Link>
                      <div className="muted small">{row.customer_name ?? "Unknown customer"}</div>
                    </td>
                    <td>
                      {date(row.due_date)}
                      <div className="small overdue-days">{count(row.days_overdue)} days late</div>
                    </td>
                    <td className="num">{money(row.balance)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ReportView>
    </Card>
  );
}

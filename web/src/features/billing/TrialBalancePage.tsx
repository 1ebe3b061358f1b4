// The trial balance: each account's debit or credit balance on a day, and the proof that
// the books balance — total debits equal total credits.
import { useSearchParams } from "react-router";
import { date, label, money } from "../../lib/format";
import { Card, PageHeader, QueryView, StatusBadge } from "../../components/ui";
import { BillingTabs } from "./BillingTabs";
import { useTrialBalance } from "./queries";

export default function TrialBalancePage() {
  const [params, setParams] = useSearchParams();
  const asOf = params.get("as_of") ?? "";
  const report = useTrialBalance(asOf || undefined);

  function setAsOf(value: string) {
    setParams(value ? { as_of: value } : {}, { replace: true });
  }

  return (
    <>
      <PageHeader title="Trial balance" subtitle="Every account's balance; the two columns must agree." />
      <BillingTabs />
      <Card>
        <form className="filters" role="search" aria-label="Trial balance date" onSubmit={(e) => e.preventDefault()}>
          <div className="field">
            <label htmlFor="tb-as-of">As of</label>
            <input id="tb-as-of" type="date" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
          </div>
          {asOf && (
            <button className="btn btn-ghost btn-small" type="button" onClick={() => setAsOf("")}>
              Today
            </button>
          )}
        </form>
        <QueryView query={report} isEmpty={(r) => r.rows.length === 0} empty="No account has any posting yet.">
          {(r) => (
            <div aria-busy={report.isFetching} className="stack">
              <div className="balance-check" data-testid="balance-check">
                {r.balanced ? (
                  <StatusBadge status="paid" text="Balanced" />
                ) : (
                  <StatusBadge status="rejected" text="Out of balance" />
                )}
                <span>
                  As of {date(r.as_of)}: debits {money(r.total_debit)} {r.balanced ? "=" : "≠"} credits {money(r.total_credit)}
                </span>
              </div>
              <div className="table-wrap">
                <table data-testid="trial-balance">
                  <caption className="sr-only">Trial balance as of {date(r.as_of)}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Code</th>
                      <th scope="col">Account</th>
                      <th scope="col">Type</th>
                      <th scope="col" className="num">
                        Debit
                      </th>
                      <th scope="col" className="num">
                        Credit
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.rows.map((row) => (
                      <tr key={row.code}>
                        <td className="mono">{row.code}</td>
                        <td>{row.name}</td>
                        <td>{label(row.type)}</td>
                        <td className="num">{money(row.debit)}</td>
                        <td className="num">{money(row.credit)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row" colSpan={3}>
                        Total
                      </th>
                      <td className="num" data-testid="total-debit">
                        {money(r.total_debit)}
                      </td>
                      <td className="num" data-testid="total-credit">
                        {money(r.total_credit)}
                      </td>
                    </tr>
                  </tfoot>
                </table>
              </div>
            </div>
          )}
        </QueryView>
      </Card>
    </>
  );
}

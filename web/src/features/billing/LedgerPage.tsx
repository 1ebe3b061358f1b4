// The journal: every posting the billing module made, newest first, by account and period.
import { Card, Pager, PageHeader, QueryView } from "../../components/ui";
import { BillingTabs } from "./BillingTabs";
import { JournalTable } from "./JournalTable";
import { PAGE_SIZE, useAccounts, useLedger } from "./queries";
import { orUndefined, useUrlFilters } from "../../lib/urlState";

const KEYS = ["account", "from", "to"] as const;

export default function LedgerPage() {
  const { values, offset, setFilters, setOffset, clear, active } = useUrlFilters(KEYS);
  const accounts = useAccounts();
  const ledger = useLedger({ account: orUndefined(values.account), from: orUndefined(values.from), to: orUndefined(values.to) }, offset);

  return (
    <>
      <PageHeader title="Ledger" subtitle="Journal entries booked by invoices, payments, credit notes and refunds." />
      <BillingTabs />
      <Card>
        <form className="filters" role="search" aria-label="Filter journal entries" onSubmit={(e) => e.preventDefault()}>
          <div className="field">
            <label htmlFor="ledger-account">Account</label>
            <select id="ledger-account" value={values.account} onChange={(e) => setFilters({ account: e.target.value })}>
              <option value="">All accounts</option>
              {accounts.data?.map((a) => (
                <option key={a.code} value={a.code}>
                  {a.code} · {a.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="ledger-from">From</label>
            <input id="ledger-from" type="date" value={values.from} onChange={(e) => setFilters({ from: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="ledger-to">To</label>
            <input id="ledger-to" type="date" value={values.to} onChange={(e) => setFilters({ to: e.target.value })} />
          </div>
          {active && (
            <button className="btn btn-ghost btn-small" type="button" onClick={clear}>
              Clear filters
            </button>
          )}
        </form>
        <QueryView
          query={ledger}
          isEmpty={(page) => page.items.length === 0}
          empty={active ? "No journal entry matches these filters." : "Nothing has been booked yet."}
        >
          {(page) => (
            <div aria-busy={ledger.isFetching}>
              <JournalTable entries={page.items} />
              <Pager offset={offset} limit={PAGE_SIZE} total={page.total} onChange={setOffset} />
            </div>
          )}
        </QueryView>
      </Card>
    </>
  );
}

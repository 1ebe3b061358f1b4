// The journal: every posting the billing module made, newest first, by account and period.
import { DayRange, FilterBar } from "../../components/filters";
import { Card, PageHeader, PageView, SelectField } from "../../components/ui";
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
        <FilterBar name="Filter journal entries" active={active} onClear={clear}>
          <SelectField label="Account" name="account" value={values.account} onChange={(e) => setFilters({ account: e.target.value })}>
            <option value="">All accounts</option>
            {accounts.data?.map((a) => (
              <option key={a.code} value={a.code}>
                {a.code} · {a.name}
              </option>
            ))}
          </SelectField>
          <DayRange from={values.from} to={values.to} onChange={setFilters} />
        </FilterBar>
        <PageView
          query={ledger}
          offset={offset}
          limit={PAGE_SIZE}
          onOffset={setOffset}
          empty={active ? "No journal entry matches these filters." : "Nothing has been booked yet."}
        >
          {(items) => <JournalTable entries={items} />}
        </PageView>
      </Card>
    </>
  );
}

// What a customer has bought and owes: open balance, recent orders, invoices with balances.
import { Link } from "react-router";
import type { Schemas } from "../../api/client";
import { DataTable } from "../../components/DataTable";
import { count, date, dateTime, money } from "../../lib/format";
import { Card, PageView, QueryView, StatusBadge } from "../../components/ui";
import { ACTIVITY_PAGE, useCustomerInvoices, useCustomerOrders, useOpenBalance } from "./queries";
import { useUrlOffset } from "../../lib/urlState";

export function OpenBalanceCard({ customerId }: { customerId: string }) {
  const open = useOpenBalance(customerId);
  return (
    <Card title="Open balance">
      <QueryView query={open}>
        {(b) => (
          <div className="cust-balance">
            <div className="kpi">
              <span className="kpi-label">Owed</span>
              <span className="kpi-value" data-testid="open-balance">
                {money(b.balance)}
              </span>
              <span className="muted">
                {b.invoices === 0 ? "No open invoices" : `${count(b.invoices)} open invoice${b.invoices === 1 ? "" : "s"}`}
              </span>
            </div>
            {b.overdue > 0 && (
              <div className="kpi">
                <span className="kpi-label">Overdue</span>
                <span className="kpi-value">{money(b.overdueBalance)}</span>
                <span className="muted">
                  on {count(b.overdue)} invoice{b.overdue === 1 ? "" : "s"}
                </span>
              </div>
            )}
            {b.partial && <p className="muted cust-note">More open invoices exist than could be read at once; the figure covers the first 500 of each status.</p>}
          </div>
        )}
      </QueryView>
    </Card>
  );
}

type OrderRow = Schemas["OrderSummary"];
type InvoiceRow = Schemas["InvoiceSummary"];

export function CustomerOrders({ customerId }: { customerId: string }) {
  const [offset, setOffset] = useUrlOffset("orders");
  const orders = useCustomerOrders(customerId, offset);
  return (
    <Card title="Recent orders">
      <PageView query={orders} offset={offset} limit={ACTIVITY_PAGE} onOffset={setOffset} empty="No orders from this customer yet.">
        {(items) => (
          <DataTable<OrderRow>
            rows={items}
            rowKey={(o) => o.id}
            columns={[
              { header: "Order", className: "mono cust-nowrap", cell: (o) => <Link to={`/orders/${o.id}`}>{o.number}</Link> },
              { header: "Placed", className: "cust-nowrap", cell: (o) => dateTime(o.created_at) },
              { header: "Status", cell: (o) => <StatusBadge status={o.status} /> },
              { header: "Total", numeric: true, cell: (o) => money(o.total) },
            ]}
          />
        )}
      </PageView>
    </Card>
  );
}

export function CustomerInvoices({ customerId }: { customerId: string }) {
  const [offset, setOffset] = useUrlOffset("invoices");
  const invoices = useCustomerInvoices(customerId, offset);
  return (
    <Card title="Invoices">
      <PageView query={invoices} offset={offset} limit={ACTIVITY_PAGE} onOffset={setOffset} empty="No invoices for this customer yet.">
        {(items) => (
          <DataTable<InvoiceRow>
            rows={items}
            rowKey={(i) => i.id}
            rowClassName={(i) => (i.overdue ? "row-alert" : undefined)}
            columns={[
              { header: "Invoice", className: "mono cust-nowrap", cell: (i) => <Link to={`/billing/invoices/${i.id}`}>{i.number}</Link> },
              { header: "Issued", className: "cust-nowrap", cell: (i) => date(i.issue_date) },
              { header: "Due", className: "cust-nowrap", cell: (i) => date(i.due_date) },
              { header: "Status", cell: (i) => <StatusBadge status={i.overdue ? "overdue" : i.status} /> },
              { header: "Total", numeric: true, cell: (i) => money(i.total) },
              { header: "Balance", numeric: true, cell: (i) => <strong>{money(i.balance)}</strong> },
            ]}
          />
        )}
      </PageView>
    </Card>
  );
}

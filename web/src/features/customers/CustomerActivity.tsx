// What a customer has bought and owes: open balance, recent orders, invoices with balances.
import { Link } from "react-router";
import { count, date, dateTime, money } from "../../components/format";
import { Card, Pager, QueryView, StatusBadge } from "../../components/ui";
import { ACTIVITY_PAGE, useCustomerInvoices, useCustomerOrders, useOpenBalance } from "./hooks";
import { useUrlOffset } from "./useListParams";

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

export function CustomerOrders({ customerId }: { customerId: string }) {
  const [offset, setOffset] = useUrlOffset("orders");
  const orders = useCustomerOrders(customerId, offset);
  return (
    <Card title="Recent orders">
      <QueryView query={orders} isEmpty={(p) => p.items.length === 0} empty="No orders from this customer yet.">
        {(page) => (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Order</th>
                    <th scope="col">Placed</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Total
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((o) => (
                    <tr key={o.id}>
                      <td className="mono cust-nowrap">
                        <Link to={`/orders/${o.id}`}>{o.number}</Link>
                      </td>
                      <td className="cust-nowrap">{dateTime(o.created_at)}</td>
                      <td>
                        <StatusBadge status={o.status} />
                      </td>
                      <td className="num">{money(o.total)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager offset={offset} limit={ACTIVITY_PAGE} total={page.total} onChange={setOffset} />
          </>
        )}
      </QueryView>
    </Card>
  );
}

export function CustomerInvoices({ customerId }: { customerId: string }) {
  const [offset, setOffset] = useUrlOffset("invoices");
  const invoices = useCustomerInvoices(customerId, offset);
  return (
    <Card title="Invoices">
      <QueryView query={invoices} isEmpty={(p) => p.items.length === 0} empty="No invoices for this customer yet.">
        {(page) => (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Invoice</th>
                    <th scope="col">Issued</th>
                    <th scope="col">Due</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Total
                    </th>
                    <th scope="col" className="num">
                      Balance
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((i) => (
                    <tr key={i.id} className={i.overdue ? "row-alert" : undefined}>
                      <td className="mono cust-nowrap">
                        <Link to={`/billing/invoices/${i.id}`}>{i.number}</Link>
                      </td>
                      <td className="cust-nowrap">{date(i.issue_date)}</td>
                      <td className="cust-nowrap">{date(i.due_date)}</td>
                      <td>{i.overdue ? <StatusBadge status="overdue" /> : <StatusBadge status={i.status} />}</td>
                      <td className="num">{money(i.total)}</td>
                      <td className="num">
                        <strong>{money(i.balance)}</strong>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager offset={offset} limit={ACTIVITY_PAGE} total={page.total} onChange={setOffset} />
          </>
        )}
      </QueryView>
    </Card>
  );
}

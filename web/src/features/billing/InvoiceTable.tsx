import { Link } from "react-router";
import type { Schemas } from "../../api/client";
import { date, money } from "../../lib/format";
import { StatusBadge } from "../../components/ui";

export function InvoiceTable({ invoices }: { invoices: Schemas["InvoiceSummary"][] }) {
  return (
    <div className="table-wrap">
      <table className="invoice-table">
        <caption className="sr-only">Invoices</caption>
        <thead>
          <tr>
            <th scope="col">Number</th>
            <th scope="col">Customer</th>
            <th scope="col">Order</th>
            <th scope="col" className="col-secondary">Issued</th>
            <th scope="col">Due</th>
            <th scope="col" className="num">
              Total
            </th>
            <th scope="col" className="num col-secondary">
              Paid
            </th>
            <th scope="col" className="num">
              Balance
            </th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {invoices.map((invoice) => (
            <tr key={invoice.id} className={invoice.overdue ? "row-alert" : undefined}>
              <td>
                <Link to={`/billing/invoices/${invoice.id}`} className="mono">
                  {invoice.number}
                </Link>
              </td>
              <td className="wrap">{invoice.customer_name}</td>
              <td>
                {invoice.order_id ? (
                  <Link to={`/orders/${invoice.order_id}`} className="mono">
                    {invoice.order_number ?? "Order"}
                  </Link>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td className="col-secondary">{date(invoice.issue_date)}</td>
              <td>
                <span className="cell-stack">
                  {date(invoice.due_date)}
                  {invoice.overdue && <StatusBadge status="overdue" />}
                </span>
              </td>
              <td className="num">{money(invoice.total)}</td>
              <td className="num col-secondary">{money(invoice.amount_paid)}</td>
              <td className="num">{money(invoice.balance)}</td>
              <td>
                <StatusBadge status={invoice.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// The lines of a placed order with the server's figures, and its status history.
import { DataTable } from "../../components/DataTable";
import { count, dateTime, label, money, ratePercent } from "../../lib/format";
import { Card, StatusBadge } from "../../components/ui";
import type { Order } from "./queries";

type Line = Order["lines"][number];

export function OrderLines({ order }: { order: Order }) {
  return (
    <Card title="Lines">
      <DataTable<Line>
        rows={order.lines}
        rowKey={(l) => l.line_no}
        columns={[
          {
            header: "Product",
            cell: (l) => (
              <>
                <div>{l.name}</div>
                <small className="muted mono">{l.sku}</small>
              </>
            ),
          },
          { header: "Unit price", numeric: true, cell: (l) => money(l.unit_price) },
          { header: "Qty", numeric: true, cell: (l) => count(l.qty) },
          { header: "Tax rate", numeric: true, cell: (l) => ratePercent(l.tax_rate) },
          { header: "Net", numeric: true, cell: (l) => money(l.line_total) },
          { header: "Tax", numeric: true, cell: (l) => money(l.line_tax) },
        ]}
      />
      <dl className="totals">
        <dt>Subtotal</dt>
        <dd className="num">{money(order.subtotal)}</dd>
        <dt>Tax</dt>
        <dd className="num">{money(order.tax)}</dd>
        <dt className="grand">Total</dt>
        <dd className="num grand" data-testid="order-total">
          {money(order.total)}
        </dd>
      </dl>
    </Card>
  );
}

export function OrderHistory({ order }: { order: Order }) {
  return (
    <Card title="History">
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Change</th>
              <th scope="col">Reason</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {order.history.map((change, i) => (
              <tr key={`${change.to_status}-${change.at}-${i}`}>
                <td>
                  {change.from_status ? (
                    <>
                      <StatusBadge status={change.from_status} /> <span aria-hidden="true">→</span>
                      <span className="sr-only">to</span>{" "}
                    </>
                  ) : null}
                  <StatusBadge status={change.to_status} text={change.from_status ? undefined : `${label(change.to_status)} (new)`} />
                </td>
                <td>{change.reason || <span className="muted">—</span>}</td>
                <td>{change.actor ?? <span className="muted">system</span>}</td>
                <td>{dateTime(change.at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

// The lines of a placed order with the server's figures, and its status history.
import { count, dateTime, label, money } from "../../components/format";
import { Card, StatusBadge } from "../../components/ui";
import { ratePercent } from "./cents";
import type { Order } from "./hooks";

export function OrderLines({ order }: { order: Order }) {
  return (
    <Card title="Lines">
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col" className="num">Unit price</th>
              <th scope="col" className="num">Qty</th>
              <th scope="col" className="num">Tax rate</th>
              <th scope="col" className="num">Net</th>
              <th scope="col" className="num">Tax</th>
            </tr>
          </thead>
          <tbody>
            {order.lines.map((line) => (
              <tr key={line.line_no}>
                <td>
                  <div>{line.name}</div>
                  <small className="muted mono">{line.sku}</small>
                </td>
                <td className="num">{money(line.unit_price)}</td>
                <td className="num">{count(line.qty)}</td>
                <td className="num">{ratePercent(line.tax_rate)}</td>
                <td className="num">{money(line.line_total)}</td>
                <td className="num">{money(line.line_tax)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
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

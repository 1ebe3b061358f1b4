import type { Schemas } from "../../api/client";
import { count, money } from "../../components/format";
import { Card } from "../../components/ui";
import { isZero } from "../../components/cents";

/** A tax rate sent as a fraction ("0.20") shown as a percentage, by moving the decimal point. */
function rate(value: string): string {
  const match = /^(\d+)(?:\.(\d*))?$/.exec(value);
  if (!match) return value;
  const fraction = (match[2] ?? "").padEnd(2, "0");
  const whole = BigInt(`${match[1]}${fraction.slice(0, 2)}`).toString();
  const rest = fraction.slice(2).replace(/0+$/, "");
  return `${whole}${rest ? `.${rest}` : ""} %`;
}

export function InvoiceLines({ invoice }: { invoice: Schemas["InvoiceRead"] }) {
  const anyCredited = invoice.lines.some((l) => !isZero(l.credited_qty));
  return (
    <Card title="Lines">
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">SKU</th>
              <th scope="col">Description</th>
              <th scope="col" className="num">
                Qty
              </th>
              {anyCredited && (
                <th scope="col" className="num">
                  Credited
                </th>
              )}
              <th scope="col" className="num">
                Unit price
              </th>
              <th scope="col" className="num">
                Tax rate
              </th>
              <th scope="col" className="num">
                Net
              </th>
              <th scope="col" className="num">
                Tax
              </th>
            </tr>
          </thead>
          <tbody>
            {invoice.lines.map((line) => (
              <tr key={line.line_no}>
                <td className="muted">{line.line_no}</td>
                <td className="mono">{line.sku ?? "—"}</td>
                <td>{line.description}</td>
                <td className="num">{count(line.qty)}</td>
                {anyCredited && <td className="num">{count(line.credited_qty)}</td>}
                <td className="num">{money(line.unit_price)}</td>
                <td className="num">{rate(line.tax_rate)}</td>
                <td className="num">{money(line.line_total)}</td>
                <td className="num">{money(line.line_tax)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="invoice-foot">
        <div className="table-wrap tax-lines">
          <table>
            <caption className="caption">Tax by rate</caption>
            <thead>
              <tr>
                <th scope="col">Rate</th>
                <th scope="col" className="num">
                  Net
                </th>
                <th scope="col" className="num">
                  Tax
                </th>
              </tr>
            </thead>
            <tbody>
              {invoice.tax_lines.map((t) => (
                <tr key={t.rate}>
                  <td>{rate(t.rate)}</td>
                  <td className="num">{money(t.base)}</td>
                  <td className="num">{money(t.tax)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Totals invoice={invoice} />
      </div>
    </Card>
  );
}

function Totals({ invoice }: { invoice: Schemas["InvoiceRead"] }) {
  return (
    <dl className="totals" aria-label="Invoice totals" data-testid="invoice-totals">
      <dt>Subtotal</dt>
      <dd>{money(invoice.subtotal)}</dd>
      <dt>Tax</dt>
      <dd>{money(invoice.tax)}</dd>
      <dt className="grand">Total</dt>
      <dd className="grand">{money(invoice.total)}</dd>
      <dt>Paid</dt>
      <dd data-testid="amount-paid">{money(invoice.amount_paid)}</dd>
      <dt>Credited</dt>
      <dd data-testid="amount-credited">{money(invoice.amount_credited)}</dd>
      <dt className="grand rule">Balance due</dt>
      <dd className="grand rule" data-testid="balance">
        {money(invoice.balance)}
      </dd>
      {!isZero(invoice.refund_due) && (
        <>
          <dt>Refund due</dt>
          <dd>{money(invoice.refund_due)}</dd>
        </>
      )}
      {!isZero(invoice.amount_refunded) && (
        <>
          <dt>Refunded</dt>
          <dd>{money(invoice.amount_refunded)}</dd>
        </>
      )}
    </dl>
  );
}

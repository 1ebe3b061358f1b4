// The lines of an order being written: quantity inputs, per-line figures and live totals.
import { ApiProblem } from "../../api/client";
import { count, money, ratePercent } from "../../lib/format";
import { fromCents } from "../../lib/decimal";
import { lineFigures, sumLines } from "./cents";
import type { Stock } from "./queries";

export interface DraftLine {
  sku: string;
  name: string;
  price: string;
  tax_rate: string;
  available: number;
  qty: string;
}

/** The quantity as typed, when it is a whole number; anything else goes to the server as is to be refused there. */
export function quantityOf(text: string): number {
  return /^\s*-?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

export function draftFromStock(stock: Stock): DraftLine {
  return { sku: stock.sku, name: stock.name, price: stock.price, tax_rate: stock.tax_rate, available: stock.available, qty: "1" };
}

function fieldMessage(problem: unknown, field: string): string | undefined {
  if (!(problem instanceof ApiProblem)) return undefined;
  return problem.errors.find((e) => e.field === field)?.message;
}

export function DraftLines({
  lines,
  problem,
  onQty,
  onRemove,
}: {
  lines: DraftLine[];
  problem: unknown;
  onQty: (index: number, qty: string) => void;
  onRemove: (index: number) => void;
}) {
  const figures = lines.map((l) => lineFigures(l.price, l.tax_rate, quantityOf(l.qty)));
  const totals = sumLines(figures);
  return (
    <>
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Order lines</caption>
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col" className="num">Unit price</th>
              <th scope="col" className="num">Tax rate</th>
              <th scope="col" className="num">Qty</th>
              <th scope="col" className="num">Line total</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {lines.map((line, i) => {
              const qtyField = `items.${i}.qty`;
              const qtyError = fieldMessage(problem, qtyField);
              const skuError = fieldMessage(problem, `items.${i}.sku`) ?? fieldMessage(problem, `items.${i}.price`) ?? fieldMessage(problem, `items.${i}`);
              const qty = quantityOf(line.qty);
              const short = Number.isInteger(qty) && qty > line.available;
              const figure = figures[i];
              return (
                <tr key={line.sku} className={qtyError || skuError ? "row-alert" : undefined}>
                  <td>
                    <div>{line.name}</div>
                    <small className="muted mono">{line.sku}</small>
                    {skuError && (
                      <small className="field-error orders-line-error" role="alert">
                        {skuError}
                      </small>
                    )}
                  </td>
                  <td className="num">{money(line.price)}</td>
                  <td className="num">{ratePercent(line.tax_rate)}</td>
                  <td className="num">
                    <input
                      id={`f-${qtyField}`}
                      name={qtyField}
                      className="orders-qty"
                      type="number"
                      inputMode="numeric"
                      min={1}
                      step={1}
                      aria-label={`Quantity of ${line.name}`}
                      aria-invalid={qtyError ? true : undefined}
                      aria-describedby={qtyError ? `f-${qtyField}-error` : short ? `f-${qtyField}-hint` : undefined}
                      value={line.qty}
                      onChange={(e) => onQty(i, e.target.value)}
                    />
                    {qtyError ? (
                      <small id={`f-${qtyField}-error`} className="field-error orders-line-error" role="alert">
                        {qtyError}
                      </small>
                    ) : short ? (
                      <small id={`f-${qtyField}-hint`} className="orders-line-hint">
                        Only {count(line.available)} available
                      </small>
                    ) : null}
                  </td>
                  <td className="num" data-testid={`line-total-${i}`}>
                    {figure ? money(fromCents(figure.net)) : "—"}
                  </td>
                  <td className="num">
                    <button className="btn btn-ghost btn-small" type="button" aria-label={`Remove ${line.name}`} onClick={() => onRemove(i)}>
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <dl className="totals">
        <dt>Subtotal</dt>
        <dd className="num" data-testid="draft-subtotal">{money(fromCents(totals.subtotal))}</dd>
        <dt>Tax</dt>
        <dd className="num" data-testid="draft-tax">{money(fromCents(totals.tax))}</dd>
        <dt className="grand">Total</dt>
        <dd className="num grand" data-testid="draft-total">{money(fromCents(totals.total))}</dd>
      </dl>
    </>
  );
}

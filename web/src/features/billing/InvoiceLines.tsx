import type { Schemas } from "../../api/client";
import { DataTable, type Column } from "../../components/DataTable";
import { count, money, ratePercent } from "../../lib/format";
import { Card } from "../../components/ui";
import { isZero } from "../../lib/decimal";

type Line = Schemas["InvoiceRead"]["lines"][number];
type TaxLine = Schemas["InvoiceRead"]["tax_lines"][number];

export function InvoiceLines({ invoice }: { invoice: Schemas["InvoiceRead"] }) {
  const anyCredited = invoice.lines.some((l) => !isZero(l.credited_qty));
  const credited: Column<Line>[] = anyCredited ? [{ header: "Credited", numeric: true, cell: (l) => count(l.credited_qty) }] : [];
  return (
    <Card title="Lines">
      <DataTable<Line>
        rows={invoice.lines}
        rowKey={(l) => l.line_no}
        columns={[
          { header: "#", className: "muted", cell: (l) => l.line_no },
          { header: "SKU", className: "mono", cell: (l) => l.sku ?? "—" },
          { header: "Description", cell: (l) => l.description },
          { header: "Qty", numeric: true, cell: (l) => count(l.qty) },
          ...credited,
          { header: "Unit price", numeric: true, cell: (l) => money(l.unit_price) },
          { header: "Tax rate", numeric: true, cell: (l) => ratePercent(l.tax_rate) },
          { header: "Net", numeric: true, cell: (l) => money(l.line_total) },
          { header: "Tax", numeric: true, cell: (l) => money(l.line_tax) },
        ]}
      />
      <div className="invoice-foot">
        <div className="tax-lines">
          <DataTable<TaxLine>
            caption="Tax by rate"
            rows={invoice.tax_lines}
            rowKey={(t) => t.rate}
            columns={[
              { header: "Rate", cell: (t) => ratePercent(t.rate) },
              { header: "Net", numeric: true, cell: (t) => money(t.base) },
              { header: "Tax", numeric: true, cell: (t) => money(t.tax) },
            ]}
          />
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

// The invoice billing issued for an order.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, call, type Schemas } from "../../api/client";
import { StatusBadge } from "../../components/ui";
import type { Order } from "./queries";

async function findInvoice(order: Order): Promise<Schemas["InvoiceSummary"] | null> {
  const result = await call(api.GET("/billing/invoices", { params: { query: { order_id: order.id, limit: 1 } } }));
  return result.items[0] ?? null;
}

export function InvoiceLink({ order }: { order: Order }) {
  const invoiced = order.history.some((h) => h.to_status === "invoiced") || ["invoiced", "paid", "shipped", "completed"].includes(order.status);
  const invoice = useQuery({
    queryKey: ["billing", "invoices", "for-order", order.id],
    queryFn: () => findInvoice(order),
    enabled: invoiced,
  });
  if (!invoiced) return <span className="muted">Not invoiced yet</span>;
  if (invoice.isPending) return <span className="muted">Looking up…</span>;
  if (invoice.isError) return <span className="field-error">{invoice.error.message}</span>;
  if (!invoice.data) return <span className="muted">Not found</span>;
  return (
    <span className="row">
      <Link className="mono" to={`/billing/invoices/${invoice.data.id}`}>
        {invoice.data.number}
      </Link>
      <StatusBadge status={invoice.data.status} />
    </span>
  );
}

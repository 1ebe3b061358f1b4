// The payments list names each payment's invoice and customer, which a payment does not
// carry. An invoice's number and customer are fixed once issued, so each is fetched once
// and remembered for the session; the live refreshes of the list then cost no extra calls.
import { useQuery } from "@tanstack/react-query";
import { api, call } from "../../api/client";

export interface InvoiceName {
  number: string;
  customer: string;
}

const known = new Map<string, InvoiceName>();

async function lookUp(ids: string[]): Promise<Record<string, InvoiceName>> {
  const missing = ids.filter((id) => !known.has(id));
  await Promise.all(
    missing.map(async (id) => {
      try {
        const invoice = await call(api.GET("/billing/invoices/{invoice_id}", { params: { path: { invoice_id: id } } }));
        known.set(id, { number: invoice.number, customer: invoice.customer_name });
      } catch {
        // A name that cannot be fetched is shown as a plain link; the list itself still works.
      }
    }),
  );
  return Object.fromEntries(ids.flatMap((id) => (known.has(id) ? [[id, known.get(id)!]] : [])));
}

export function useInvoiceNames(ids: string[]) {
  const unique = [...new Set(ids)].sort();
  return useQuery({
    queryKey: ["billing", "invoice-names", unique],
    queryFn: () => lookUp(unique),
    enabled: unique.length > 0,
    staleTime: Infinity,
  });
}

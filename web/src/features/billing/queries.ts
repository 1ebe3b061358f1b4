// Billing's queries. Every key starts with "billing": the live stream refreshes them after
// each committed batch, so open pages follow payments made elsewhere without polling.
import { keepPreviousData, useQuery, type QueryKey } from "@tanstack/react-query";
import { api, call, type Schemas } from "../../api/client";

export const PAGE_SIZE = 25;

export type InvoiceStatus = Schemas["InvoiceStatus"];
export type PaymentMethod = Schemas["PaymentMethod"];
export const INVOICE_STATUSES: InvoiceStatus[] = ["issued", "partially_paid", "paid", "credited", "void"];
export const PAYMENT_METHODS: PaymentMethod[] = ["cash", "card", "bank_transfer", "cheque"];

export function invoicePath(id: string): string {
  return `/billing/invoices/${id}`;
}

export function creditNotePdfPath(id: string): string {
  return `/billing/credit-notes/${id}/pdf`;
}

export interface InvoiceFilters {
  status?: InvoiceStatus;
  customer_id?: string;
  overdue?: boolean;
  from?: string;
  to?: string;
}

/** One page of a billing list: its filters and offset in the key, the last page shown
 * while the next one loads. */
function listPage<F extends object, T>(list: string, filters: F, offset: number, get: (query: F & { limit: number; offset: number }) => Promise<T>) {
  return {
    queryKey: ["billing", list, filters, offset],
    queryFn: () => get({ ...filters, limit: PAGE_SIZE, offset }),
    placeholderData: keepPreviousData,
  };
}

export function useInvoices(filters: InvoiceFilters, offset: number) {
  return useQuery(listPage("invoices", filters, offset, (query) => call(api.GET("/billing/invoices", { params: { query } }))));
}

export function useInvoice(invoiceId: string) {
  return useQuery({
    queryKey: ["billing", "invoice", invoiceId],
    queryFn: () => call(api.GET("/billing/invoices/{invoice_id}", { params: { path: { invoice_id: invoiceId } } })),
  });
}

export interface PaymentFilters {
  method?: PaymentMethod;
  customer_id?: string;
  invoice_id?: string;
  from?: string;
  to?: string;
}

export function usePayments(filters: PaymentFilters, offset: number) {
  return useQuery(listPage("payments", filters, offset, (query) => call(api.GET("/billing/payments", { params: { query } }))));
}

export interface LedgerFilters {
  account?: string;
  from?: string;
  to?: string;
}

export function useLedger(filters: LedgerFilters, offset: number) {
  return useQuery(listPage("ledger", filters, offset, (query) => call(api.GET("/billing/ledger", { params: { query } }))));
}

export function useAccounts() {
  return useQuery({
    queryKey: ["billing", "accounts"],
    queryFn: () => call(api.GET("/billing/accounts")),
    staleTime: 60_000,
  });
}

export function useTrialBalance(asOf: string | undefined) {
  return useQuery({
    queryKey: ["billing", "trial-balance", asOf ?? "today"],
    queryFn: () => call(api.GET("/billing/trial-balance", { params: { query: { as_of: asOf } } })),
    placeholderData: keepPreviousData,
  });
}

/** What a change to one invoice moves: its page, the lists, the ledger, and the order it bills. */
export const INVOICE_CHANGES: QueryKey[] = [["billing"], ["orders"]];

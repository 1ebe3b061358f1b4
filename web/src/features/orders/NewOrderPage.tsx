// Writing an order: pick a customer, add products, set quantities, and place it. Totals shown
// here are a preview; the server prices the order and its figures are the ones kept.
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { api, ApiProblem, call } from "../../api/client";
import { count, money } from "../../lib/format";
import { Card, FormProblem, PageHeader } from "../../components/ui";
import { Combobox } from "./Combobox";
import { DraftLines, draftFromStock, quantityOf, type DraftLine } from "./DraftLines";
import { useCustomerSearch, type Customer } from "../customers/queries";
import { useProductSearch } from "./queries";
import { newIdempotencyKey } from "../../api/idempotency";
import { useChange } from "../../lib/useChange";
import "./orders.css";

type Body = { customer_id: string; items: { sku: string; qty: number }[] };

export default function NewOrderPage() {
  const navigate = useNavigate();
  // One key for this form: a double submit replays the first answer instead of placing twice.
  const [key] = useState(newIdempotencyKey);
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [customerText, setCustomerText] = useState("");
  const [productText, setProductText] = useState("");
  const [lines, setLines] = useState<DraftLine[]>([]);
  const [missing, setMissing] = useState<string | null>(null);

  const customers = useCustomerSearch(customerText, customer === null || customerText !== customer.name);
  const products = useProductSearch(productText, productText.trim() !== "");

  const place = useChange(
    [["orders"], ["inventory"]],
    (body: Body) => call(api.POST("/orders", { body, headers: { "Idempotency-Key": key } })),
    (order) => navigate(`/orders/${order.id}`),
  );
  const problem = place.error;

  const edit = (next: DraftLine[]) => {
    setLines(next);
    setMissing(null);
    // A message pinned to "items.2.qty" means nothing once the lines have moved.
    if (place.isError) place.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (place.isPending) return;
    if (!customer) return setMissing("Choose a customer for this order.");
    if (lines.length === 0) return setMissing("Add at least one product.");
    place.mutate({ customer_id: customer.id, items: lines.map((l) => ({ sku: l.sku, qty: quantityOf(l.qty) })) });
  };

  const customerError = problem instanceof ApiProblem ? problem.messageFor("customer_id") : undefined;
  const itemsError = problem instanceof ApiProblem ? problem.errors.find((e) => e.field === "items")?.message : undefined;
  const lineFields = lines.flatMap((_, i) => [`items.${i}.qty`, `items.${i}.sku`, `items.${i}.price`, `items.${i}`]);

  return (
    <>
      <PageHeader title="New order" subtitle="Prices and stock come from the catalogue; the order is confirmed once stock is reserved." />
      <form className="stack" onSubmit={submit} noValidate aria-label="New order">
        <Card title="Customer">
          <div className="orders-picker-row">
            <Combobox<Customer>
              label="Find customer"
              name="customer_id"
              placeholder="Search by name, email or code"
              value={customerText}
              onInputChange={(text) => {
                setCustomerText(text);
                if (customer && text !== customer.name) setCustomer(null);
              }}
              options={customer && customerText === customer.name ? undefined : customers.items}
              searching={customers.searching}
              optionKey={(c) => c.id}
              renderOption={(c) => (
                <>
                  <strong>{c.name}</strong> <span className="muted">{c.email}</span>
                </>
              )}
              onSelect={(c) => {
                setCustomer(c);
                setCustomerText(c.name);
                setMissing(null);
              }}
              emptyText="No customer matches."
              error={customerError}
            />
            {customer && (
              <p className="muted orders-picked" data-testid="picked-customer">
                {customer.code ? `${customer.code} · ` : ""}
                {customer.email} · pays in {customer.payment_terms_days} days
              </p>
            )}
          </div>
        </Card>

        <Card title="Lines">
          <div className="orders-picker-row">
            <Combobox
              label="Add product"
              placeholder="Search by name or SKU"
              value={productText}
              onInputChange={setProductText}
              options={productText.trim() ? products.items : undefined}
              searching={products.searching}
              optionKey={(p) => p.sku}
              renderOption={(p) => (
                <span className="orders-option">
                  <span>
                    <strong>{p.name}</strong> <span className="muted mono">{p.sku}</span>
                  </span>
                  <span className="muted">
                    {money(p.price)} · {count(p.available)} available
                  </span>
                </span>
              )}
              onSelect={(p) => {
                const at = lines.findIndex((l) => l.sku === p.sku);
                if (at >= 0) {
                  const qty = quantityOf(lines[at]!.qty);
                  edit(lines.map((l, i) => (i === at ? { ...l, qty: String(Number.isInteger(qty) ? qty + 1 : 1) } : l)));
                } else {
                  edit([...lines, draftFromStock(p)]);
                }
                setProductText("");
              }}
              emptyText="No product matches."
            />
          </div>
          {lines.length === 0 ? (
            <p className="state state-empty">No lines yet. Search for a product above to add it.</p>
          ) : (
            <DraftLines
              lines={lines}
              problem={problem}
              onQty={(index, qty) => edit(lines.map((l, i) => (i === index ? { ...l, qty } : l)))}
              onRemove={(index) => edit(lines.filter((_, i) => i !== index))}
            />
          )}
          {itemsError && (
            <p className="field-error" role="alert">
              {itemsError}
            </p>
          )}
        </Card>

        {missing && (
          <p className="form-error" role="alert">
            {missing}
          </p>
        )}
        <FormProblem problem={problem} fields={["customer_id", "items", ...lineFields]} />
        <div className="form-actions">
          <Link className="btn" to="/orders">
            Cancel
          </Link>
          <button className="btn btn-primary" type="submit" disabled={place.isPending}>
            {place.isPending ? "Placing order…" : "Place order"}
          </button>
        </div>
      </form>
    </>
  );
}

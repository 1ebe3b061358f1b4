// The product fields shared by "New product" and "Edit product". Field names are the API's,
// so each message the server sends lands next to the field it is about.
import { ApiProblem, type Schemas } from "../../api/client";
import { Field } from "../../components/ui";
import { decimalInput, fractionToPercent, percentToFraction } from "../../lib/decimal";
import { formatting } from "../../lib/format";
import { wholeNumber } from "./formValues";
import type { Stock } from "./queries";
import "./inventory.css";

export interface ProductValues {
  sku: string;
  name: string;
  description: string;
  price: string;
  taxPercent: string;
  qtyOnHand: string;
  reorderPoint: string;
  reorderQty: string;
  leadTimeDays: string;
  active: boolean;
}

export const EMPTY_PRODUCT: ProductValues = {
  sku: "",
  name: "",
  description: "",
  price: "",
  taxPercent: "",
  qtyOnHand: "0",
  reorderPoint: "0",
  reorderQty: "0",
  leadTimeDays: "0",
  active: true,
};

export function valuesOf(stock: Stock): ProductValues {
  return {
    sku: stock.sku,
    name: stock.name,
    description: stock.description,
    price: stock.price,
    taxPercent: fractionToPercent(stock.tax_rate),
    qtyOnHand: String(stock.qty_on_hand),
    reorderPoint: String(stock.reorder_point),
    reorderQty: String(stock.reorder_qty),
    leadTimeDays: String(stock.lead_time_days),
    active: stock.active,
  };
}

export function createBody(v: ProductValues): Schemas["ProductCreate"] {
  return {
    sku: v.sku.trim(),
    name: v.name,
    description: v.description,
    price: decimalInput(v.price, formatting().locale) ?? "",
    tax_rate: percentToFraction(v.taxPercent, formatting().locale) ?? "0",
    active: true,
    qty_on_hand: wholeNumber(v.qtyOnHand) as number,
    reorder_point: wholeNumber(v.reorderPoint) as number,
    reorder_qty: wholeNumber(v.reorderQty) as number,
    lead_time_days: wholeNumber(v.leadTimeDays) as number,
  };
}

/** Only what was changed, so an edit never rewrites a figure someone else just moved. */
export function updateBody(before: ProductValues, v: ProductValues): Schemas["ProductUpdate"] {
  // A cleared figure goes as null, which the API refuses with its own message.
  const body: { [K in keyof Schemas["ProductUpdate"]]: Schemas["ProductUpdate"][K] | null } = {};
  if (v.name !== before.name) body.name = v.name;
  if (v.description !== before.description) body.description = v.description;
  if (v.price.trim() !== before.price) body.price = decimalInput(v.price, formatting().locale) ?? "";
  if (v.taxPercent.trim() !== before.taxPercent) body.tax_rate = percentToFraction(v.taxPercent, formatting().locale) ?? null;
  if (v.reorderPoint.trim() !== before.reorderPoint) body.reorder_point = wholeNumber(v.reorderPoint) ?? null;
  if (v.reorderQty.trim() !== before.reorderQty) body.reorder_qty = wholeNumber(v.reorderQty) ?? null;
  if (v.leadTimeDays.trim() !== before.leadTimeDays) body.lead_time_days = wholeNumber(v.leadTimeDays) ?? null;
  if (v.active !== before.active) body.active = v.active;
  return body as Schemas["ProductUpdate"];
}

/** Which parts of a product the user may change: the price and tax rate (`inventory:price`),
 * the rest (`inventory:write`). The server checks each field; this only hides what it would
 * refuse. */
export interface Editable {
  pricing: boolean;
  details: boolean;
}

export const EVERYTHING: Editable = { pricing: true, details: true };

export const PRODUCT_FIELDS = ["sku", "name", "description", "price", "tax_rate", "active", "qty_on_hand", "reorder_point", "reorder_qty", "lead_time_days"];

export function ProductFields({
  values,
  onChange,
  problem,
  mode,
  editable = EVERYTHING,
}: {
  values: ProductValues;
  onChange: (change: Partial<ProductValues>) => void;
  problem: unknown;
  mode: "create" | "edit";
  editable?: Editable;
}) {
  const descriptionError = problem instanceof ApiProblem ? problem.messageFor("description") : undefined;
  const activeError = problem instanceof ApiProblem ? problem.messageFor("active") : undefined;
  const { pricing, details } = editable;
  return (
    <div className="form-grid inv-form">
      {mode === "create" && (
        <Field label="SKU" name="sku" value={values.sku} onChange={(e) => onChange({ sku: e.target.value })} problem={problem} autoComplete="off" hint="Letters, digits, dot, dash, underscore." />
      )}
      {details && (
        <ProductDetails values={values} onChange={onChange} problem={problem} descriptionError={descriptionError} />
      )}
      {pricing ? (
        <>
          <Field label="Price (net)" name="price" inputMode="decimal" value={values.price} onChange={(e) => onChange({ price: e.target.value })} problem={problem} placeholder="0.00" />
          <Field label="Tax rate (%)" name="tax_rate" inputMode="decimal" value={values.taxPercent} onChange={(e) => onChange({ taxPercent: e.target.value })} problem={problem} placeholder="20" />
        </>
      ) : (
        <p className="muted inv-span-2" data-testid="price-locked">
          Price and tax rate are set by users allowed to change prices.
        </p>
      )}
      {mode === "create" && (
        <Field label="Opening stock" name="qty_on_hand" inputMode="numeric" value={values.qtyOnHand} onChange={(e) => onChange({ qtyOnHand: e.target.value })} problem={problem} />
      )}
      {details && (
        <>
          <Field label="Reorder point" name="reorder_point" inputMode="numeric" value={values.reorderPoint} onChange={(e) => onChange({ reorderPoint: e.target.value })} problem={problem} hint="Low stock at or below this many available." />
          <Field label="Reorder quantity" name="reorder_qty" inputMode="numeric" value={values.reorderQty} onChange={(e) => onChange({ reorderQty: e.target.value })} problem={problem} />
          <Field label="Lead time (days)" name="lead_time_days" inputMode="numeric" value={values.leadTimeDays} onChange={(e) => onChange({ leadTimeDays: e.target.value })} problem={problem} />
        </>
      )}
      {mode === "edit" && details && (
        <div className="field inv-span-2">
          <label className="inv-check">
            <input type="checkbox" name="active" checked={values.active} onChange={(e) => onChange({ active: e.target.checked })} />
            Active — can be sold on new orders
          </label>
          {activeError && (
            <small className="field-error" role="alert">
              {activeError}
            </small>
          )}
        </div>
      )}
    </div>
  );
}

function ProductDetails({
  values,
  onChange,
  problem,
  descriptionError,
}: {
  values: ProductValues;
  onChange: (change: Partial<ProductValues>) => void;
  problem: unknown;
  descriptionError: string | undefined;
}) {
  return (
    <>
      <Field label="Name" name="name" value={values.name} onChange={(e) => onChange({ name: e.target.value })} problem={problem} autoComplete="off" />
      <div className="field inv-span-2">
        <label htmlFor="f-description">Description</label>
        <textarea
          id="f-description"
          name="description"
          className="inv-textarea"
          rows={2}
          value={values.description}
          onChange={(e) => onChange({ description: e.target.value })}
          aria-invalid={descriptionError ? true : undefined}
          aria-describedby={descriptionError ? "f-description-error" : undefined}
        />
        {descriptionError && (
          <small id="f-description-error" className="field-error" role="alert">
            {descriptionError}
          </small>
        )}
      </div>
    </>
  );
}

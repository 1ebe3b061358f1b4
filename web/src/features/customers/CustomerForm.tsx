// The customer fields shared by "New customer" and the edit form. Field names are the API's,
// so a message such as a duplicate email lands next to the field it is about.
import { ApiProblem, type Schemas } from "../../api/client";
import { Field } from "../../components/ui";
import type { Customer } from "./queries";
import "./customers.css";

export interface CustomerValues {
  name: string;
  email: string;
  code: string;
  phone: string;
  billingAddress: string;
  terms: string;
}

export const EMPTY_CUSTOMER: CustomerValues = { name: "", email: "", code: "", phone: "", billingAddress: "", terms: "30" };
export const CUSTOMER_FIELDS = ["name", "email", "code", "phone", "billing_address", "payment_terms_days"];

export function valuesOf(c: Customer): CustomerValues {
  return {
    name: c.name,
    email: c.email,
    code: c.code ?? "",
    phone: c.phone,
    billingAddress: c.billing_address,
    terms: String(c.payment_terms_days),
  };
}

/** Whole days when the text is a whole number; anything else goes as typed for the server to judge. */
function days(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : (trimmed as unknown as number);
}

export function createBody(v: CustomerValues): Schemas["CustomerCreate"] {
  return {
    name: v.name,
    email: v.email.trim(),
    code: v.code.trim() || null,
    phone: v.phone,
    billing_address: v.billingAddress,
    payment_terms_days: days(v.terms) as number,
  };
}

/** Only what was changed, so saving never overwrites a field someone else edited meanwhile. */
export function updateBody(before: CustomerValues, v: CustomerValues): Schemas["CustomerUpdate"] {
  // A cleared figure goes as null, which the API refuses with its own message.
  const body: { [K in keyof Schemas["CustomerUpdate"]]: Schemas["CustomerUpdate"][K] | null } = {};
  if (v.name !== before.name) body.name = v.name;
  if (v.email.trim() !== before.email) body.email = v.email.trim();
  if (v.code.trim() !== before.code) body.code = v.code.trim() || null;
  if (v.phone !== before.phone) body.phone = v.phone;
  if (v.billingAddress !== before.billingAddress) body.billing_address = v.billingAddress;
  if (v.terms.trim() !== before.terms) body.payment_terms_days = days(v.terms) ?? null;
  return body as Schemas["CustomerUpdate"];
}

export function CustomerFields({
  values,
  onChange,
  problem,
}: {
  values: CustomerValues;
  onChange: (change: Partial<CustomerValues>) => void;
  problem: unknown;
}) {
  const addressError = problem instanceof ApiProblem ? problem.messageFor("billing_address") : undefined;
  return (
    <div className="form-grid cust-form">
      <Field label="Name" name="name" value={values.name} onChange={(e) => onChange({ name: e.target.value })} problem={problem} autoComplete="organization" />
      <Field label="Email" name="email" type="email" value={values.email} onChange={(e) => onChange({ email: e.target.value })} problem={problem} autoComplete="email" />
      <Field label="Customer code" name="code" value={values.code} onChange={(e) => onChange({ code: e.target.value })} problem={problem} autoComplete="off" hint="Optional, e.g. C0042." />
      <Field label="Phone" name="phone" type="tel" value={values.phone} onChange={(e) => onChange({ phone: e.target.value })} problem={problem} autoComplete="tel" />
      <div className="field cust-span-2">
        <label htmlFor="f-billing_address">Billing address</label>
        <textarea
          id="f-billing_address"
          name="billing_address"
          className="cust-textarea"
          rows={2}
          value={values.billingAddress}
          onChange={(e) => onChange({ billingAddress: e.target.value })}
          aria-invalid={addressError ? true : undefined}
          aria-describedby={addressError ? "f-billing_address-error" : undefined}
        />
        {addressError && (
          <small id="f-billing_address-error" className="field-error" role="alert">
            {addressError}
          </small>
        )}
      </div>
      <Field label="Payment terms (days)" name="payment_terms_days" inputMode="numeric" value={values.terms} onChange={(e) => onChange({ terms: e.target.value })} problem={problem} />
    </div>
  );
}

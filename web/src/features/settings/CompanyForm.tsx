// The company printed on documents, and how the app writes dates, numbers and money. Only
// what changed is sent; the server says what it refuses, next to the field.
import { useState, type FormEvent } from "react";
import { ApiProblem } from "../../api/client";
import { Field, FormProblem, SelectField } from "../../components/ui";
import { useUpdateCompany, type CompanyChanges, type CompanySettings } from "./queries";

const FIELDS = [
  "name",
  "address",
  "tax_id",
  "email",
  "currency",
  "locale",
  "payment_terms_days",
  "fiscal_year_start_month",
  "fiscal_year_start_day",
] as const;
// Offered first; any other language-COUNTRY tag can be typed in.
const LOCALES = ["en-GB", "en-US", "en-IE", "de-DE", "de-AT", "de-CH", "fr-FR", "fr-BE", "it-IT", "es-ES", "nl-NL", "pl-PL", "sv-SE"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** The form's text, one entry per field; numbers are turned back into numbers on save. */
type Draft = Record<(typeof FIELDS)[number], string>;

function draftOf(company: CompanySettings): Draft {
  return {
    name: company.name,
    address: company.address,
    tax_id: company.tax_id,
    email: company.email,
    currency: company.currency,
    locale: company.locale,
    payment_terms_days: String(company.payment_terms_days),
    fiscal_year_start_month: String(company.fiscal_year_start_month),
    fiscal_year_start_day: String(company.fiscal_year_start_day),
  };
}

/** What differs from the stored settings, typed as the API takes it. */
function changesOf(draft: Draft, company: CompanySettings): CompanyChanges {
  const changes: CompanyChanges = {};
  const before = draftOf(company);
  for (const key of ["name", "address", "tax_id", "email", "currency", "locale"] as const) {
    if (draft[key] !== before[key]) changes[key] = draft[key];
  }
  for (const key of ["payment_terms_days", "fiscal_year_start_month", "fiscal_year_start_day"] as const) {
    // Sent as typed: the server refuses what is not a whole number, with its message.
    if (draft[key] !== before[key]) changes[key] = (draft[key].trim() === "" ? draft[key] : Number(draft[key])) as number;
  }
  return changes;
}

export function CompanyForm({ company, canEdit, onSaved }: { company: CompanySettings; canEdit: boolean; onSaved: (message: string) => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(company));
  const mutation = useUpdateCompany((saved) => {
    setDraft(draftOf(saved));
    onSaved("Saved the company settings. The next invoice and PDF use them.");
  });
  const set = (key: keyof Draft) => (event: { target: { value: string } }) => setDraft({ ...draft, [key]: event.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const changes = changesOf(draft, company);
    if (Object.keys(changes).length === 0) {
      onSaved("Nothing to save: no setting changed.");
      return;
    }
    mutation.mutate(changes);
  };
  const problem = mutation.error;
  const addressError = problem instanceof ApiProblem ? problem.messageFor("address") : undefined;
  return (
    <form onSubmit={submit} noValidate aria-label="Company settings" className="settings-form">
      <fieldset disabled={!canEdit} className="settings-fieldset">
        <legend className="settings-legend">Company</legend>
        <div className="settings-grid">
          <Field label="Company name" name="name" value={draft.name} onChange={set("name")} problem={problem} required maxLength={200} />
          <Field label="VAT / tax ID" name="tax_id" value={draft.tax_id} onChange={set("tax_id")} problem={problem} maxLength={50} hint="Printed on invoices and credit notes." />
          <Field label="Billing email" name="email" type="email" value={draft.email} onChange={set("email")} problem={problem} />
          <div className="field settings-wide">
            <label htmlFor="f-address">Address</label>
            <textarea
              id="f-address"
              name="address"
              rows={3}
              value={draft.address}
              onChange={set("address")}
              maxLength={1000}
              aria-invalid={addressError ? true : undefined}
              aria-describedby={addressError ? "f-address-error" : undefined}
            />
            {addressError && (
              <small id="f-address-error" className="field-error" role="alert">
                {addressError}
              </small>
            )}
          </div>
        </div>
      </fieldset>
      <fieldset disabled={!canEdit} className="settings-fieldset">
        <legend className="settings-legend">Money, dates and terms</legend>
        <div className="settings-grid">
          <Field label="Currency" name="currency" value={draft.currency} onChange={set("currency")} problem={problem} hint="ISO 4217 code, such as EUR, GBP or USD." />
          <div className="field">
            <label htmlFor="f-locale">Locale for dates and numbers</label>
            <input id="f-locale" name="locale" list="settings-locales" value={draft.locale} onChange={set("locale")} aria-describedby="f-locale-hint" />
            <datalist id="settings-locales">
              {LOCALES.map((tag) => (
                <option key={tag} value={tag} />
              ))}
            </datalist>
            {problem instanceof ApiProblem && problem.messageFor("locale") ? (
              <small className="field-error" role="alert">
                {problem.messageFor("locale")}
              </small>
            ) : (
              <small id="f-locale-hint" className="muted">
                Language and country, such as en-GB or de-DE.
              </small>
            )}
          </div>
          <Field
            label="Default payment terms (days)"
            name="payment_terms_days"
            inputMode="numeric"
            value={draft.payment_terms_days}
            onChange={set("payment_terms_days")}
            problem={problem}
            hint="Given to new customers; an invoice is due this many days after it is issued."
          />
          <SelectField label="Fiscal year starts in" name="fiscal_year_start_month" value={draft.fiscal_year_start_month} onChange={set("fiscal_year_start_month")} problem={problem}>
            {MONTHS.map((month, index) => (
              <option key={month} value={String(index + 1)}>
                {month}
              </option>
            ))}
          </SelectField>
          <Field label="On day" name="fiscal_year_start_day" inputMode="numeric" value={draft.fiscal_year_start_day} onChange={set("fiscal_year_start_day")} problem={problem} />
        </div>
      </fieldset>
      <FormProblem problem={problem} fields={[...FIELDS]} />
      {canEdit && (
        <div className="form-actions">
          <button className="btn" type="button" onClick={() => setDraft(draftOf(company))}>
            Undo changes
          </button>
          <button className="btn btn-primary" type="submit" disabled={mutation.isPending}>
            {mutation.isPending ? "Saving…" : "Save settings"}
          </button>
        </div>
      )}
    </form>
  );
}

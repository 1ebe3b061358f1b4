// Named tax rates ("standard", "reduced"): what products refer to. A rate is shown and typed
// as a percentage; the server keeps the fraction.
import { useState, type FormEvent } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { Dialog } from "../../components/Dialog";
import { formatting, ratePercent } from "../../lib/format";
import { Card, Field, FormActions, FormProblem, QueryView } from "../../components/ui";
import { fractionToPercent, percentToFraction } from "../../lib/decimal";
import { explainRate } from "../inventory/formValues";
import { useCreateTaxRate, useTaxRates, useUpdateTaxRate, type TaxRate } from "./queries";

export function TaxRatesCard({ canEdit, onSaved }: { canEdit: boolean; onSaved: (message: string) => void }) {
  const rates = useTaxRates();
  const [editing, setEditing] = useState<TaxRate | null>(null);
  const columns: Column<TaxRate>[] = [
    { header: "Code", cell: (r) => <code>{r.code}</code> },
    { header: "Name", cell: (r) => r.name },
    { header: "Rate", cell: (r) => ratePercent(r.rate), numeric: true },
    { header: "Active", cell: (r) => (r.active ? "Yes" : "No") },
  ];
  if (canEdit) {
    columns.push({
      header: <span className="sr-only">Actions</span>,
      cell: (r) => (
        <button className="btn btn-small" type="button" onClick={() => setEditing(r)} aria-label={`Edit tax rate ${r.code}`}>
          Edit
        </button>
      ),
    });
  }
  return (
    <Card title="Tax rates">
      <QueryView query={rates} isEmpty={(list) => list.length === 0} empty="No named tax rates yet.">
        {(list) => <DataTable columns={columns} rows={list} rowKey={(r) => r.code} label="Tax rates" testId="tax-rates-table" />}
      </QueryView>
      {canEdit && <NewTaxRateForm onSaved={onSaved} />}
      <Dialog open={editing !== null} title={editing ? `Edit tax rate ${editing.code}` : "Edit tax rate"} onClose={() => setEditing(null)}>
        {editing && <EditTaxRateForm key={editing.code} rate={editing} onClose={() => setEditing(null)} onSaved={onSaved} />}
      </Dialog>
    </Card>
  );
}

function NewTaxRateForm({ onSaved }: { onSaved: (message: string) => void }) {
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [percent, setPercent] = useState("");
  const create = useCreateTaxRate((rate) => {
    setCode("");
    setName("");
    setPercent("");
    onSaved(`Added the tax rate ${rate.name} (${ratePercent(rate.rate)}).`);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ code, name, rate: percentToFraction(percent, formatting().locale) ?? "", active: true });
  };
  const problem = explainRate(create.error, "rate");
  return (
    <form onSubmit={submit} noValidate aria-label="New tax rate" className="settings-inline-form">
      <Field id="f-new-tax-code" label="Code" name="code" value={code} onChange={(e) => setCode(e.target.value)} problem={problem} placeholder="standard" hint="Lower case letters, digits, - and _." />
      <Field id="f-new-tax-name" label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} problem={problem} placeholder="Standard rate" />
      <Field id="f-new-tax-rate" label="Rate (%)" name="rate" inputMode="decimal" value={percent} onChange={(e) => setPercent(e.target.value)} problem={problem} placeholder="20" />
      <button className="btn btn-primary" type="submit" disabled={create.isPending}>
        {create.isPending ? "Adding…" : "Add tax rate"}
      </button>
      <FormProblem problem={problem} fields={["code", "name", "rate"]} />
    </form>
  );
}

function EditTaxRateForm({ rate, onClose, onSaved }: { rate: TaxRate; onClose: () => void; onSaved: (message: string) => void }) {
  const [name, setName] = useState(rate.name);
  const [percent, setPercent] = useState(fractionToPercent(rate.rate));
  const [active, setActive] = useState(rate.active);
  const update = useUpdateTaxRate(rate.code, (saved) => {
    onSaved(`Saved the tax rate ${saved.name} (${ratePercent(saved.rate)}).`);
    onClose();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: { name?: string; rate?: string; active?: boolean } = {};
    if (name !== rate.name) body.name = name;
    if (percent.trim() !== fractionToPercent(rate.rate)) body.rate = percentToFraction(percent, formatting().locale) ?? "";
    if (active !== rate.active) body.active = active;
    if (Object.keys(body).length === 0) {
      onClose();
      return;
    }
    update.mutate(body);
  };
  const problem = explainRate(update.error, "rate");
  return (
    <form onSubmit={submit} noValidate className="stack" aria-label={`Edit tax rate ${rate.code}`}>
      <Field id="f-tax-name" label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} problem={problem} />
      <Field id="f-tax-rate" label="Rate (%)" name="rate" inputMode="decimal" value={percent} onChange={(e) => setPercent(e.target.value)} problem={problem} />
      <label className="settings-check">
        <input type="checkbox" name="active" checked={active} onChange={(e) => setActive(e.target.checked)} />
        Active
      </label>
      <FormProblem problem={problem} fields={["name", "rate", "active"]} />
      <FormActions onCancel={onClose} pending={update.isPending} label="Save tax rate" pendingLabel="Saving…" />
    </form>
  );
}

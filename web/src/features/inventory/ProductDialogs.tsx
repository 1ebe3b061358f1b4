// Creating a product, and editing one's price, tax and reorder settings (each part only for
// those allowed to change it).
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api, call } from "../../api/client";
import { useAuth } from "../../auth/AuthContext";
import { Dialog } from "../../components/Dialog";
import { FormActions, FormProblem } from "../../components/ui";
import { explainRate } from "./formValues";
import { useChange } from "../../lib/useChange";
import type { Stock } from "./queries";
import { createBody, EMPTY_PRODUCT, PRODUCT_FIELDS, ProductFields, updateBody, valuesOf, type ProductValues } from "./ProductForm";

export function NewProductDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} title="New product" onClose={onClose}>
      {open && <NewProductForm onClose={onClose} />}
    </Dialog>
  );
}

function NewProductForm({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const [values, setValues] = useState<ProductValues>(EMPTY_PRODUCT);
  const mutation = useChange(
    [["inventory"]],
    () => call(api.POST("/inventory", { body: createBody(values) })),
    (created) => {
      onClose();
      navigate(`/inventory/${encodeURIComponent(created.sku)}`);
    },
  );
  const problem = explainRate(mutation.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  return (
    <form onSubmit={submit} noValidate className="stack">
      <ProductFields values={values} onChange={(change) => setValues((v) => ({ ...v, ...change }))} problem={problem} mode="create" />
      <FormProblem problem={problem} fields={PRODUCT_FIELDS} />
      <FormActions onCancel={onClose} pending={mutation.isPending} label="Create product" pendingLabel="Creating…" />
    </form>
  );
}

export function EditProductDialog({ stock, open, onClose }: { stock: Stock; open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} title={`Edit ${stock.sku}`} onClose={onClose}>
      {open && <EditProductForm stock={stock} onClose={onClose} />}
    </Dialog>
  );
}

function EditProductForm({ stock, onClose }: { stock: Stock; onClose: () => void }) {
  const { can } = useAuth();
  const editable = { pricing: can("inventory:price"), details: can("inventory:write") };
  // The form starts from the figures at the moment it opened; live refreshes do not reset typing.
  const [before] = useState(() => valuesOf(stock));
  const [values, setValues] = useState<ProductValues>(before);
  const body = updateBody(before, values);
  const changed = Object.keys(body).length > 0;
  const mutation = useChange([["inventory"]], () => call(api.PATCH("/inventory/{sku}", { params: { path: { sku: stock.sku } }, body })), onClose);
  const problem = explainRate(mutation.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (changed) mutation.mutate();
    else onClose();
  };
  return (
    <form onSubmit={submit} noValidate className="stack">
      <ProductFields values={values} onChange={(change) => setValues((v) => ({ ...v, ...change }))} problem={problem} mode="edit" editable={editable} />
      <FormProblem problem={problem} fields={PRODUCT_FIELDS} />
      <FormActions onCancel={onClose} pending={mutation.isPending} label="Save changes" pendingLabel="Saving…" />
    </form>
  );
}

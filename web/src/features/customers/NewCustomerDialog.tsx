// Adding a customer. The server checks everything, including that the email and code are
// not already taken; on success the new customer's page opens.
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api, call } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { FormActions, FormProblem } from "../../components/ui";
import { useChange } from "../../lib/useChange";
import { customerKey } from "./queries";
import { createBody, CUSTOMER_FIELDS, CustomerFields, EMPTY_CUSTOMER, type CustomerValues } from "./CustomerForm";

export function NewCustomerDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} title="New customer" onClose={onClose}>
      {open && <NewCustomerForm onClose={onClose} />}
    </Dialog>
  );
}

function NewCustomerForm({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const [values, setValues] = useState<CustomerValues>(EMPTY_CUSTOMER);
  const mutation = useChange(
    [["customers"]],
    () => call(api.POST("/customers", { body: createBody(values) })),
    (created) => {
      onClose();
      navigate(`/customers/${created.id}`);
    },
    (saved) => customerKey(saved.id),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  return (
    <form onSubmit={submit} noValidate className="stack">
      <CustomerFields values={values} onChange={(change) => setValues((v) => ({ ...v, ...change }))} problem={mutation.error} />
      <FormProblem problem={mutation.error} fields={CUSTOMER_FIELDS} />
      <FormActions onCancel={onClose} pending={mutation.isPending} label="Create customer" pendingLabel="Creating…" />
    </form>
  );
}

// Adding a customer. The server checks everything, including that the email and code are
// not already taken; on success the new customer's page opens.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api, call } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { FormActions, FormProblem } from "../../components/ui";
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
  const client = useQueryClient();
  const [values, setValues] = useState<CustomerValues>(EMPTY_CUSTOMER);
  const mutation = useMutation({
    mutationFn: () => call(api.POST("/customers", { body: createBody(values) })),
    onSuccess: async (created) => {
      client.setQueryData(["customers", "one", created.id], created);
      await client.invalidateQueries({ queryKey: ["customers"] });
      onClose();
      navigate(`/customers/${created.id}`);
    },
  });
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

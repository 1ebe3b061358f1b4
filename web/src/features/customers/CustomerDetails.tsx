// The customer's details, and the form that edits them for users allowed to.
import { useState, type FormEvent } from "react";
import { api, call } from "../../api/client";
import { Can } from "../../auth/AuthContext";
import { count, dateTime } from "../../lib/format";
import { Card, FormActions, FormProblem } from "../../components/ui";
import { CUSTOMER_FIELDS, CustomerFields, updateBody, valuesOf, type CustomerValues } from "./CustomerForm";
import { useChange } from "../../lib/useChange";
import { customerKey, type Customer } from "./queries";

export function CustomerDetails({ customer }: { customer: Customer }) {
  const [editing, setEditing] = useState(false);
  if (editing) return <EditCustomer customer={customer} onDone={() => setEditing(false)} />;
  return (
    <Card
      title="Details"
      actions={
        <Can permission="customers:write">
          <button className="btn btn-small" type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
        </Can>
      }
    >
      <dl className="cust-facts" data-testid="customer-details">
        <dt>Email</dt>
        <dd>
          <a href={`mailto:${customer.email}`}>{customer.email}</a>
        </dd>
        <dt>Phone</dt>
        <dd>{customer.phone || <span className="muted">—</span>}</dd>
        <dt>Billing address</dt>
        <dd>{customer.billing_address || <span className="muted">—</span>}</dd>
        <dt>Payment terms</dt>
        <dd>{count(customer.payment_terms_days)} days</dd>
        <dt>Customer code</dt>
        <dd className="mono">{customer.code ?? <span className="muted">—</span>}</dd>
        <dt>Customer since</dt>
        <dd>{dateTime(customer.created_at)}</dd>
      </dl>
    </Card>
  );
}

function EditCustomer({ customer, onDone }: { customer: Customer; onDone: () => void }) {
  const [before] = useState(() => valuesOf(customer));
  const [values, setValues] = useState<CustomerValues>(before);
  const body = updateBody(before, values);
  const mutation = useChange(
    [["customers"]],
    () => call(api.PATCH("/customers/{customer_id}", { params: { path: { customer_id: customer.id } }, body })),
    () => onDone(),
    (saved) => customerKey(saved.id),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (Object.keys(body).length > 0) mutation.mutate();
    else onDone();
  };
  return (
    <Card title="Edit details">
      <form onSubmit={submit} noValidate className="stack" aria-label="Edit customer">
        <CustomerFields values={values} onChange={(change) => setValues((v) => ({ ...v, ...change }))} problem={mutation.error} />
        <FormProblem problem={mutation.error} fields={CUSTOMER_FIELDS} />
        <FormActions onCancel={onDone} pending={mutation.isPending} label="Save changes" pendingLabel="Saving…" />
      </form>
    </Card>
  );
}

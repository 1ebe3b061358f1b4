// Customers: search as you type, page through, open one, or add a new one.
import { useState } from "react";
import { Link } from "react-router";
import type { Schemas } from "../../api/client";
import { DataTable } from "../../components/DataTable";
import { Can } from "../../auth/AuthContext";
import { count } from "../../lib/format";
import { Card, Field, PageHeader, PageView } from "../../components/ui";
import { PAGE_SIZE, useCustomerPage } from "./queries";
import { NewCustomerDialog } from "./NewCustomerDialog";
import { useSearchText, useUrlOffset } from "../../lib/urlState";
import "./customers.css";

type Customer = Schemas["CustomerRead"];

export default function CustomersListPage() {
  const search = useSearchText("q");
  const q = search.committed;
  const [offset, setOffset] = useUrlOffset();
  const [creating, setCreating] = useState(false);
  const customers = useCustomerPage(q, offset);

  return (
    <>
      <PageHeader
        title="Customers"
        subtitle={customers.data ? `${count(customers.data.total)} ${q ? "matching" : "in total"}` : "Who you sell to"}
        actions={
          <Can permission="customers:write">
            <button className="btn btn-primary" type="button" onClick={() => setCreating(true)}>
              New customer
            </button>
          </Can>
        }
      />
      <Card>
        <div className="filters" role="search">
          <div className="cust-search">
            <Field label="Search" name="q" type="search" placeholder="Name, email or code" value={search.text} onChange={(e) => search.setText(e.target.value)} />
          </div>
          {customers.isFetching && !customers.isPending && (
            <span className="muted" role="status">
              Searching…
            </span>
          )}
        </div>
        <PageView query={customers} offset={offset} limit={PAGE_SIZE} onOffset={setOffset} empty={q ? `No customer matches “${q}”.` : "No customers yet."}>
          {(items) => (
            <DataTable<Customer>
              rows={items}
              rowKey={(c) => c.id}
              columns={[
                { header: "Code", className: "mono", cell: (c) => c.code ?? <span className="muted">—</span> },
                { header: "Name", cell: (c) => <Link to={`/customers/${c.id}`}>{c.name}</Link> },
                { header: "Email", cell: (c) => c.email },
                { header: "Phone", className: "cust-optional", cell: (c) => c.phone || <span className="muted">—</span> },
                { header: "Payment terms", numeric: true, cell: (c) => `${count(c.payment_terms_days)} days` },
              ]}
            />
          )}
        </PageView>
      </Card>
      <NewCustomerDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}

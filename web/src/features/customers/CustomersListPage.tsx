// Customers: search as you type, page through, open one, or add a new one.
import { useState } from "react";
import { Link } from "react-router";
import { Can } from "../../auth/AuthContext";
import { count } from "../../components/format";
import { Card, Field, PageHeader, Pager, QueryView } from "../../components/ui";
import { PAGE_SIZE, useCustomerPage } from "./hooks";
import { NewCustomerDialog } from "./NewCustomerDialog";
import { useSearchText, useUrlOffset } from "../../components/urlState";
import "./customers.css";

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
        <QueryView query={customers} isEmpty={(page) => page.items.length === 0} empty={q ? `No customer matches “${q}”.` : "No customers yet."}>
          {(page) => (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Code</th>
                      <th scope="col">Name</th>
                      <th scope="col">Email</th>
                      <th scope="col" className="cust-optional">
                        Phone
                      </th>
                      <th scope="col" className="num">
                        Payment terms
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((c) => (
                      <tr key={c.id}>
                        <td className="mono">{c.code ?? <span className="muted">—</span>}</td>
                        <td>
                          <Link to={`/customers/${c.id}`}>{c.name}</Link>
                        </td>
                        <td>{c.email}</td>
                        <td className="cust-optional">{c.phone || <span className="muted">—</span>}</td>
                        <td className="num">{count(c.payment_terms_days)} days</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager offset={offset} limit={PAGE_SIZE} total={page.total} onChange={setOffset} />
            </>
          )}
        </QueryView>
      </Card>
      <NewCustomerDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}

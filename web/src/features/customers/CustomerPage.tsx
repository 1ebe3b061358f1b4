// One customer: their details (editable with customers:write), what they owe, their orders
// and their invoices.
import { Link, useParams } from "react-router";
import { QueryView, PageHeader } from "../../components/ui";
import { CustomerOrders, CustomerInvoices, OpenBalanceCard } from "./CustomerActivity";
import { CustomerDetails } from "./CustomerDetails";
import { useCustomer } from "./queries";
import "./customers.css";

export default function CustomerPage() {
  const id = useParams().customerId ?? "";
  const customer = useCustomer(id);
  return (
    <QueryView
      query={customer}
      missing={{ text: "There is no customer at this address.", back: "/customers", backLabel: "Back to customers" }}
    >
      {(c) => (
        <>
          <PageHeader
            title={c.name}
            subtitle={
              <>
                <Link to="/customers">Customers</Link>
                {c.code && (
                  <>
                    {" "}
                    / <span className="mono">{c.code}</span>
                  </>
                )}
              </>
            }
          />
          <div className="stack">
            <div className="grid cust-top">
              <CustomerDetails customer={c} />
              <OpenBalanceCard customerId={c.id} />
            </div>
            <CustomerOrders customerId={c.id} />
            <CustomerInvoices customerId={c.id} />
          </div>
        </>
      )}
    </QueryView>
  );
}

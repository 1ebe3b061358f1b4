// The order list: newest first, filtered by status, customer and date, with the filters and
// the page kept in the URL so a view can be bookmarked or shared.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { api, call } from "../../api/client";
import { Can } from "../../auth/AuthContext";
import { dateTime, money } from "../../lib/format";
import { Card, PageHeader, Pager, QueryView, StatusBadge } from "../../components/ui";
import { OrderFilters, readFilters, toQuery } from "./OrderFilters";
import { useCustomerNames } from "../customers/queries";
import "./orders.css";

const LIMIT = 20;

export default function OrdersPage() {
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const offset = Math.max(0, Number(params.get("offset")) || 0);

  const orders = useQuery({
    queryKey: ["orders", "list", filters, offset],
    queryFn: () => call(api.GET("/orders", { params: { query: { ...toQuery(filters), limit: LIMIT, offset } } })),
    placeholderData: keepPreviousData,
  });
  const ids = orders.data?.items.map((o) => o.customer_id) ?? [];
  const { names } = useCustomerNames(ids);

  const setOffset = (next: number) => {
    const p = new URLSearchParams(params);
    if (next > 0) p.set("offset", String(next));
    else p.delete("offset");
    setParams(p);
  };

  return (
    <>
      <PageHeader
        title="Orders"
        subtitle="Every order with its status; the list follows the live stream."
        actions={
          <Can permission="orders:write">
            <Link className="btn btn-primary" to="/orders/new">
              New order
            </Link>
          </Can>
        }
      />
      <Card>
        <OrderFilters params={params} setParams={setParams} />
        <QueryView query={orders} isEmpty={(d) => d.items.length === 0} empty="No orders match these filters.">
          {(page) => (
            <>
              <div className="table-wrap" aria-busy={orders.isFetching && orders.isPlaceholderData}>
                <table>
                  <caption className="sr-only">Orders, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Number</th>
                      <th scope="col">Customer</th>
                      <th scope="col">Status</th>
                      <th scope="col" className="num">Total</th>
                      <th scope="col">Created</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((o) => (
                      <tr key={o.id} className={o.status === "rejected" ? "row-alert" : undefined}>
                        <td>
                          <Link className="mono" to={`/orders/${o.id}`}>
                            {o.number}
                          </Link>
                        </td>
                        <td>{names.get(o.customer_id) ?? <span className="muted">…</span>}</td>
                        <td>
                          <StatusBadge status={o.status} />
                        </td>
                        <td className="num">{money(o.total)}</td>
                        <td>{dateTime(o.created_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager offset={offset} limit={LIMIT} total={page.total} onChange={setOffset} />
            </>
          )}
        </QueryView>
      </Card>
    </>
  );
}

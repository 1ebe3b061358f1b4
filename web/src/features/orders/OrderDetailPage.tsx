// One order: where it stands, what it holds, how it got there, and what may be done next.
// It follows the live stream, so confirmation, invoicing and payment appear as they happen.
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { api, call } from "../../api/client";
import { dateTime, money } from "../../lib/format";
import { Card, PageHeader, QueryView, StatusBadge } from "../../components/ui";
import { useLive, useLiveBatches } from "../../live/LiveProvider";
import { InvoiceLink } from "./InvoiceLink";
import { OrderActions } from "./OrderActions";
import { OrderHistory, OrderLines } from "./OrderTables";
import { StatusTimeline } from "./StatusTimeline";
import { useCustomer } from "../customers/queries";
import { orderKey, type Order } from "./queries";
import "./orders.css";

// Without the live stream a just-placed order is still picked up, only more slowly.
const FALLBACK_POLL_MS = 5_000;

export default function OrderDetailPage() {
  const { orderId = "" } = useParams();
  const live = useLive();
  const order = useQuery({
    queryKey: orderKey(orderId),
    queryFn: () => call(api.GET("/orders/{order_id}", { params: { path: { order_id: orderId } } })),
    refetchInterval: (q) => (!live.connected && q.state.data?.status === "placed" ? FALLBACK_POLL_MS : false),
  });
  useLiveBatches((batch) => {
    if (batch.orders.some((o) => o.id === orderId)) void order.refetch();
  });

  return (
    <QueryView
      query={order}
      loading="Loading order…"
      missing={{ text: "This order does not exist.", back: "/orders", backLabel: "Back to orders" }}
    >
      {(found) => <OrderView order={found} />}
    </QueryView>
  );
}

function OrderView({ order }: { order: Order }) {
  const customer = useCustomer(order.customer_id);
  return (
    <>
      <PageHeader
        title={`Order ${order.number}`}
        subtitle={
          <span className="orders-title">
            <StatusBadge status={order.status} />
            <span>
              placed {dateTime(order.created_at)}
              {order.created_by ? ` by ${order.created_by}` : ""}
            </span>
          </span>
        }
        actions={<OrderActions order={order} />}
      />
      <div className="stack">
        <Card title="Status">
          <StatusTimeline order={order} />
        </Card>
        <Card title="Summary">
          <dl className="orders-summary">
            <div>
              <dt>Customer</dt>
              <dd>
                {customer.data ? (
                  <Link to={`/customers/${order.customer_id}`}>{customer.data.name}</Link>
                ) : customer.isError ? (
                  <span className="muted mono">{order.customer_id}</span>
                ) : (
                  <span className="muted">…</span>
                )}
              </dd>
            </div>
            <div>
              <dt>Total</dt>
              <dd data-testid="summary-total">{money(order.total)}</dd>
            </div>
            <div>
              <dt>Invoice</dt>
              <dd>
                <InvoiceLink order={order} />
              </dd>
            </div>
            <div>
              <dt>Last change</dt>
              <dd>{dateTime(order.updated_at)}</dd>
            </div>
          </dl>
        </Card>
        <OrderLines order={order} />
        <OrderHistory order={order} />
      </div>
    </>
  );
}

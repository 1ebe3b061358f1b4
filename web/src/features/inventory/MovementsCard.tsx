// A product's stock history, newest first: every receipt, adjustment, reservation and
// shipment, with what was on hand and reserved after it.
import { Link } from "react-router";
import { count, dateTime, label } from "../../lib/format";
import { Card, Pager, QueryView } from "../../components/ui";
import { PAGE_SIZE, useMovements } from "./queries";

/** Kinds that move units on hand; the others (reservation, release) move only what is held. */
const ON_HAND_KINDS = new Set(["receipt", "adjustment", "shipment"]);

function SignedQty({ qty, kind }: { qty: number; kind: string }) {
  const text = qty > 0 ? `+${count(qty)}` : qty < 0 ? `−${count(-qty)}` : "0";
  if (!ON_HAND_KINDS.has(kind)) return <span title="Change in reserved units">{text} reserved</span>;
  return <span className={qty > 0 ? "inv-in" : qty < 0 ? "inv-out" : undefined}>{text}</span>;
}

export function MovementsCard({ sku, offset, onPage }: { sku: string; offset: number; onPage: (offset: number) => void }) {
  const movements = useMovements(sku, offset);
  return (
    <Card title="Stock movements">
      <QueryView query={movements} isEmpty={(page) => page.items.length === 0} empty="No stock has moved for this product yet.">
        {(page) => (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Kind</th>
                    <th scope="col" className="num">
                      Qty
                    </th>
                    <th scope="col" className="num">
                      On hand after
                    </th>
                    <th scope="col" className="num">
                      Reserved after
                    </th>
                    <th scope="col">Reason</th>
                    <th scope="col">By</th>
                    <th scope="col">Order</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((m) => (
                    <tr key={m.id} data-kind={m.kind}>
                      <td>{dateTime(m.created_at)}</td>
                      <td>{label(m.kind)}</td>
                      <td className="num">
                        <SignedQty qty={m.qty} kind={m.kind} />
                      </td>
                      <td className="num">{count(m.on_hand_after)}</td>
                      <td className="num">{count(m.reserved_after)}</td>
                      <td>{m.reason || <span className="muted">—</span>}</td>
                      <td>{m.actor ?? <span className="muted">system</span>}</td>
                      <td>
                        {m.order_id ? (
                          <Link to={`/orders/${m.order_id}`} className="mono" title={`Order ${m.order_id}`}>
                            {m.order_id.slice(0, 8)}…
                          </Link>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager offset={offset} limit={PAGE_SIZE} total={page.total} onChange={onPage} />
          </>
        )}
      </QueryView>
    </Card>
  );
}

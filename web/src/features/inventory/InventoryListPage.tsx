// Inventory: every product with its stock, searchable, with a low-stock view for reordering.
import { useState } from "react";
import { useAuth } from "../../auth/AuthContext";
import { count } from "../../lib/format";
import { Card, Field, PageHeader, PageView } from "../../components/ui";
import { PAGE_SIZE, useStockPage, type Stock } from "./queries";
import { NewProductDialog } from "./ProductDialogs";
import { StockActionDialog, type StockAction } from "./StockDialogs";
import { StockTable } from "./StockTable";
import { useSearchText, useUrlFilters } from "../../lib/urlState";
import "./inventory.css";

export default function InventoryListPage() {
  const { values, offset, setFilters, setOffset } = useUrlFilters(["low"] as const);
  const search = useSearchText("q");
  const q = search.committed;
  const lowOnly = values.low === "1";
  const [creating, setCreating] = useState(false);
  const [acting, setActing] = useState<{ action: StockAction; stock: Stock } | null>(null);

  const query = useStockPage(q, offset, lowOnly);
  // A new product comes with its price: the server wants both permissions.
  const { can } = useAuth();
  const canCreate = can("inventory:write") && can("inventory:price");

  return (
    <>
      <PageHeader
        title="Inventory"
        subtitle={query.data ? `${count(query.data.total)} ${lowOnly ? "products at or below their reorder point" : "products"}` : "Products and stock levels"}
        actions={
          canCreate && (
            <button className="btn btn-primary" type="button" onClick={() => setCreating(true)}>
              New product
            </button>
          )
        }
      />
      <Card>
        <div className="filters" role="search">
          <div className="inv-search">
            <Field label="Search" name="q" type="search" placeholder="SKU or product name" value={search.text} onChange={(e) => search.setText(e.target.value)} />
          </div>
          <label className="inv-check">
            <input type="checkbox" checked={lowOnly} onChange={(e) => setFilters({ low: e.target.checked ? "1" : "" })} />
            Low stock only
          </label>
        </div>
        <PageView
          query={query}
          offset={offset}
          limit={PAGE_SIZE}
          onOffset={setOffset}
          empty={q ? `No products match “${q}”${lowOnly ? " among those low on stock" : ""}.` : lowOnly ? "No product is low on stock." : "No products yet."}
        >
          {(items) => <StockTable items={items} onAction={(action, stock) => setActing({ action, stock })} />}
        </PageView>
      </Card>
      <NewProductDialog open={creating} onClose={() => setCreating(false)} />
      <StockActionDialog action={acting?.action ?? null} stock={acting?.stock ?? null} onClose={() => setActing(null)} />
    </>
  );
}

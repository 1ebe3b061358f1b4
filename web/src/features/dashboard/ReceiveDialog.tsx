// Receive the suggested quantity of a product straight from its reorder suggestion, with the
// inventory's own receiving form. The reports follow through the live stream.
import { Dialog } from "../../components/Dialog";
import { ReceiveForm } from "../inventory/StockDialogs";
import type { ReorderRecommendation } from "./queries";

export function ReceiveDialog({
  suggestion,
  onClose,
  onDone,
}: {
  suggestion: ReorderRecommendation["data"] | null;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  return (
    <Dialog open={suggestion !== null} title="Receive stock" onClose={onClose}>
      {suggestion && (
        <ReceiveForm
          key={suggestion.sku}
          sku={suggestion.sku}
          suggestedQty={suggestion.suggested_qty}
          defaultReason="reorder suggestion"
          summary={
            <p className="receive-summary">
              <strong>{suggestion.name}</strong> <span className="mono muted">{suggestion.sku}</span>
              <br />
              <span className="muted">
                {suggestion.available} available · {suggestion.daily_demand} sold per day · lead time {suggestion.lead_time_days} days
              </span>
            </p>
          }
          onCancel={onClose}
          onDone={(stock, qty) => {
            onDone(`Received ${qty} × ${suggestion.sku}; ${stock.available} now available.`);
            onClose();
          }}
        />
      )}
    </Dialog>
  );
}

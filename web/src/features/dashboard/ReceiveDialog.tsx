// Receive the suggested quantity of a product straight from its reorder suggestion.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, call } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { Field, FormActions, FormProblem } from "../../components/ui";
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
      {suggestion && <ReceiveForm key={suggestion.sku} suggestion={suggestion} onClose={onClose} onDone={onDone} />}
    </Dialog>
  );
}

function ReceiveForm({
  suggestion,
  onClose,
  onDone,
}: {
  suggestion: ReorderRecommendation["data"];
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const client = useQueryClient();
  const [qty, setQty] = useState(String(suggestion.suggested_qty));
  const receive = useMutation({
    mutationFn: (amount: number) =>
      call(
        api.POST("/inventory/{sku}/receive", {
          params: { path: { sku: suggestion.sku } },
          body: { qty: amount, reason: "reorder suggestion" },
        }),
      ),
    onSuccess: (stock) => {
      void client.invalidateQueries({ queryKey: ["query"] });
      void client.invalidateQueries({ queryKey: ["inventory"] });
      onDone(`Received ${qty} × ${suggestion.sku}; ${stock.available} now available.`);
      onClose();
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // The server validates the quantity; an unreadable entry is sent as 0 so it says why.
    receive.mutate(/^\d+$/.test(qty.trim()) ? Number(qty.trim()) : 0);
  };

  return (
    <form onSubmit={submit} noValidate>
      <p className="receive-summary">
        <strong>{suggestion.name}</strong> <span className="mono muted">{suggestion.sku}</span>
        <br />
        <span className="muted">
          {suggestion.available} available · {suggestion.daily_demand} sold per day · lead time {suggestion.lead_time_days} days
        </span>
      </p>
      <Field
        label="Quantity received"
        name="qty"
        type="number"
        inputMode="numeric"
        min={1}
        step={1}
        value={qty}
        onChange={(e) => setQty(e.target.value)}
        problem={receive.error}
        hint={`Suggested: ${suggestion.suggested_qty}`}
        autoFocus
        required
      />
      <FormProblem problem={receive.error} fields={["qty"]} />
      <FormActions onCancel={onClose} pending={receive.isPending} label="Receive" pendingLabel="Receiving…" />
    </form>
  );
}

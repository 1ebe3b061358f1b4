// Document numbering: each series' prefix, width and next number. The next number can only
// move forward; the server refuses anything below what was already issued and says why.
import { useState, type FormEvent } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { Dialog } from "../../components/Dialog";
import { label } from "../../lib/format";
import { Card, Field, FormActions, FormProblem, QueryView } from "../../components/ui";
import { useNumbering, useUpdateSeries, type Series, type SeriesChanges } from "./queries";

export function NumberingCard({ canEdit, onSaved }: { canEdit: boolean; onSaved: (message: string) => void }) {
  const numbering = useNumbering();
  const [editing, setEditing] = useState<Series | null>(null);
  const columns: Column<Series>[] = [
    { header: "Documents", cell: (s) => label(s.series) },
    { header: "Prefix", cell: (s) => <code>{s.prefix || "—"}</code> },
    { header: "Digits", cell: (s) => s.width, numeric: true },
    { header: "Next number", cell: (s) => <strong data-testid={`next-${s.series}`}>{s.next_formatted}</strong> },
    { header: "Gaps", cell: (s) => (s.gapless ? "Never" : "Allowed") },
  ];
  if (canEdit) {
    columns.push({
      header: <span className="sr-only">Actions</span>,
      cell: (s) => (
        <button className="btn btn-small" type="button" onClick={() => setEditing(s)} aria-label={`Edit ${label(s.series).toLowerCase()} numbering`}>
          Edit
        </button>
      ),
    });
  }
  return (
    <Card title="Document numbering">
      <QueryView query={numbering} isEmpty={(list) => list.length === 0} empty="No numbering series.">
        {(list) => <DataTable columns={columns} rows={list} rowKey={(s) => s.series} label="Document numbering" testId="numbering-table" />}
      </QueryView>
      <Dialog open={editing !== null} title={editing ? `${label(editing.series)} numbering` : "Numbering"} onClose={() => setEditing(null)}>
        {editing && <SeriesForm key={editing.series} series={editing} onClose={() => setEditing(null)} onSaved={onSaved} />}
      </Dialog>
    </Card>
  );
}

function SeriesForm({ series, onClose, onSaved }: { series: Series; onClose: () => void; onSaved: (message: string) => void }) {
  const [prefix, setPrefix] = useState(series.prefix);
  const [width, setWidth] = useState(String(series.width));
  const [next, setNext] = useState(String(series.next_number));
  const update = useUpdateSeries(series.series, (saved) => {
    onSaved(`The next ${label(saved.series).toLowerCase()} number is ${saved.next_formatted}.`);
    onClose();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: SeriesChanges = {};
    if (prefix !== series.prefix) body.prefix = prefix;
    if (width !== String(series.width)) body.width = (width.trim() === "" ? width : Number(width)) as number;
    if (next !== String(series.next_number)) body.next_number = (next.trim() === "" ? next : Number(next)) as number;
    if (Object.keys(body).length === 0) {
      onClose();
      return;
    }
    update.mutate(body);
  };
  const problem = update.error;
  return (
    <form onSubmit={submit} noValidate className="stack" aria-label={`${label(series.series)} numbering`}>
      <Field label="Prefix" name="prefix" value={prefix} onChange={(e) => setPrefix(e.target.value)} problem={problem} maxLength={10} hint="Up to 10 letters, digits, . _ or -, not ending in a digit." />
      <Field label="Digits" name="width" inputMode="numeric" value={width} onChange={(e) => setWidth(e.target.value)} problem={problem} hint="Numbers are padded with zeros to this many digits." />
      <Field
        label="Next number"
        name="next_number"
        inputMode="numeric"
        value={next}
        onChange={(e) => setNext(e.target.value)}
        problem={problem}
        hint={`Can only move forward: at least ${series.next_number}.`}
      />
      <FormProblem problem={problem} fields={["prefix", "width", "next_number"]} />
      <FormActions onCancel={onClose} pending={update.isPending} label="Save numbering" pendingLabel="Saving…" />
    </form>
  );
}

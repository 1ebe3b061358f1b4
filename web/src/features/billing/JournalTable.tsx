// Journal entries in the classic layout: the entry's date and description, its debit lines,
// then its credit lines indented, and the two totals, which always agree.
import { Link } from "react-router";
import type { Schemas } from "../../api/client";
import { date, label, money } from "../../lib/format";
import { StatusBadge } from "../../components/ui";
import { fromCents, sumCents } from "../../lib/decimal";

type Entry = Schemas["JournalEntryRead"];

// Entries whose source is an invoice name the invoice itself, so they can link to it.
const INVOICE_SOURCES = new Set(["invoice", "invoice_void"]);

export function JournalTable({ entries }: { entries: Entry[] }) {
  return (
    <div className="table-wrap">
      <table className="journal" data-testid="journal">
        <caption className="sr-only">Journal entries</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Entry / account</th>
            <th scope="col" className="num">
              Debit
            </th>
            <th scope="col" className="num">
              Credit
            </th>
          </tr>
        </thead>
        {entries.map((entry) => (
          <EntryRows key={entry.id} entry={entry} />
        ))}
      </table>
    </div>
  );
}

function EntryRows({ entry }: { entry: Entry }) {
  const debits = entry.lines.filter((l) => sumCents([l.debit]) !== 0n);
  const credits = entry.lines.filter((l) => sumCents([l.debit]) === 0n);
  const totalDebit = sumCents(entry.lines.map((l) => l.debit));
  const totalCredit = sumCents(entry.lines.map((l) => l.credit));
  const balanced = totalDebit === totalCredit;
  return (
    <tbody className="entry" data-testid="journal-entry">
      <tr className="entry-head">
        <td>{date(entry.entry_date)}</td>
        <td colSpan={3}>
          <span className="cell-stack">
            <strong>{entry.description}</strong>
            <span className="badge badge-muted">{label(entry.source_type)}</span>
            {entry.reverses_entry_id !== null && <span className="badge badge-warn">Reverses #{entry.reverses_entry_id}</span>}
            {INVOICE_SOURCES.has(entry.source_type) && (
              <Link to={`/billing/invoices/${entry.source_id}`}>
                Open invoice
              </Link>
            )}
            <span className="muted">#{entry.id}</span>
          </span>
        </td>
      </tr>
      {[...debits, ...credits].map((line, index) => {
        const isDebit = index < debits.length;
        return (
          <tr key={`${line.account_code}-${index}`}>
            <td>
              <span className="sr-only">{isDebit ? "Debit" : "Credit"}</span>
            </td>
            <td className={isDebit ? "account" : "credit-account"}>
              <span className="mono">{line.account_code}</span> {line.account_name}
            </td>
            <td className="num">{isDebit ? money(line.debit) : ""}</td>
            <td className="num">{isDebit ? "" : money(line.credit)}</td>
          </tr>
        );
      })}
      <tr className="entry-total">
        <td />
        <td className="account">
          {balanced ? <StatusBadge status="paid" text="Balanced" /> : <StatusBadge status="rejected" text="Out of balance" />}
        </td>
        <td className="num">{money(fromCents(totalDebit))}</td>
        <td className="num">{money(fromCents(totalCredit))}</td>
      </tr>
    </tbody>
  );
}

// What the rules advise, critical first, in the words the server writes for the reader, with
// the one-click action each suggestion calls for.
import { useState } from "react";
import { Link } from "react-router";
import { Can } from "../../auth/AuthContext";
import { Card } from "../../components/ui";
import { count, label, money } from "../../lib/format";
import { ReceiveDialog } from "./ReceiveDialog";
import { ReportView } from "./ReportView";
import { useRecommendations, type Recommendation, type ReorderRecommendation } from "./queries";

const KINDS: { kind: Recommendation["kind"] | "all"; label: string }[] = [
  { kind: "all", label: "All" },
  { kind: "reorder", label: "Reorder" },
  { kind: "dunning", label: "Dunning" },
  { kind: "revenue_drop", label: "Revenue" },
  { kind: "slow_movers", label: "Slow movers" },
];

const TONE = { critical: "bad", warning: "warn", info: "info" } as const;
const SHOWN = 6;

function Action({ item, onReceive }: { item: Recommendation; onReceive: (s: ReorderRecommendation["data"]) => void }) {
  switch (item.kind) {
    case "reorder":
      return (
        <>
          <Link to={`/inventory/${encodeURIComponent(item.data.sku)}`}>View product</Link>
          <Can permission="inventory:write">
            <button className="btn btn-primary btn-small" type="button" onClick={() => onReceive(item.data)}>
              Receive {count(item.data.suggested_qty)}
            </button>
          </Can>
        </>
      );
    case "dunning":
      return (
        <>
          <span className="badge badge-muted">{label(item.data.level)}</span>
          <Link to={`/billing/invoices/${item.data.invoice_id}`}>Open invoice {item.data.invoice}</Link>
        </>
      );
    case "slow_movers":
      return (
        <>
          <span className="muted small">{money(item.data.stock_value)} tied up</span>
          <Link to={`/inventory/${encodeURIComponent(item.data.sku)}`}>View product</Link>
        </>
      );
    case "revenue_drop":
      return (
        <span className="muted small">
          {money(item.data.current)} vs {money(item.data.previous)}
        </span>
      );
  }
}

export function RecommendationsCard() {
  const query = useRecommendations();
  const [kind, setKind] = useState<(typeof KINDS)[number]["kind"]>("all");
  const [showAll, setShowAll] = useState(false);
  const [receiving, setReceiving] = useState<ReorderRecommendation["data"] | null>(null);
  const [notice, setNotice] = useState("");
  const rows = query.data?.rows ?? [];
  const tally = (k: string) => (k === "all" ? rows.length : rows.filter((r) => r.kind === k).length);

  return (
    <Card title="Recommendations" className="recommendations">
      <div className="rec-filters" role="group" aria-label="Show recommendations of kind">
        {KINDS.map((k) => (
          <button
            key={k.kind}
            type="button"
            className={`chip ${kind === k.kind ? "chip-on" : ""}`}
            aria-pressed={kind === k.kind}
            onClick={() => {
              setKind(k.kind);
              setShowAll(false);
            }}
          >
            {k.label} <span className="chip-count">{count(tally(k.kind))}</span>
          </button>
        ))}
      </div>
      <p className="rec-notice" role="status">
        {notice}
      </p>
      <ReportView query={query} isEmpty={(r) => r.rows.length === 0} empty="Nothing needs your attention right now.">
        {(report) => {
          const matching = report.rows.filter((r) => kind === "all" || r.kind === kind);
          const visible = showAll ? matching : matching.slice(0, SHOWN);
          if (matching.length === 0) return <p className="state state-empty">No {KINDS.find((k) => k.kind === kind)?.label.toLowerCase()} recommendations.</p>;
          return (
            <>
              <ul className="rec-list">
                {visible.map((item) => (
                  <li key={`${item.rule}:${item.subject}`} className={`rec rec-${item.severity}`} data-testid={`rec-${item.kind}-${item.subject}`}>
                    <div className="rec-head">
                      <span className={`badge badge-${TONE[item.severity]}`}>{label(item.severity)}</span>
                      <span className="rec-kind">{KINDS.find((k) => k.kind === item.kind)?.label ?? label(item.kind)}</span>
                    </div>
                    {/* Written by the server for the reader: their locale, the currency, names not ids. */}
                    <p className="rec-title">{item.message}</p>
                    <div className="rec-actions">
                      <Action item={item} onReceive={setReceiving} />
                    </div>
                  </li>
                ))}
              </ul>
              {matching.length > SHOWN && (
                <div className="rec-more">
                  <button className="btn btn-small" type="button" onClick={() => setShowAll((v) => !v)}>
                    {showAll ? "Show fewer" : `Show all ${count(matching.length)}`}
                  </button>
                </div>
              )}
            </>
          );
        }}
      </ReportView>
      <ReceiveDialog suggestion={receiving} onClose={() => setReceiving(null)} onDone={setNotice} />
    </Card>
  );
}

// The first page after sign-in: the period's key figures, sales, stock, receivables and what
// the rules recommend. Every card loads on its own and follows the live stream.
import { useSearchParams } from "react-router";
import { PageHeader } from "../../components/ui";
import { date } from "../../lib/format";
import { AgingCard, OverdueCard } from "./ArCards";
import { KpiTiles } from "./KpiTiles";
import { LiveStamp } from "./LiveStamp";
import { LowStockCard } from "./LowStockCard";
import { PERIODS, parsePeriod, useKpis, type Period } from "./queries";
import { RecommendationsCard } from "./Recommendations";
import { DailySalesCard, HourlySalesCard } from "./SalesCards";
import { TopCustomersCard, TopProductsCard } from "./TopCards";
import "./dashboard.css";

function PeriodPicker({ value, onChange }: { value: Period; onChange: (days: Period) => void }) {
  return (
    <div className="segmented" role="group" aria-label="Period">
      {PERIODS.map((days) => (
        <button key={days} type="button" className={days === value ? "on" : ""} aria-pressed={days === value} onClick={() => onChange(days)}>
          {days} days
        </button>
      ))}
    </div>
  );
}

export default function DashboardPage() {
  const [params, setParams] = useSearchParams();
  const days = parsePeriod(params.get("days"));
  const kpis = useKpis(days);
  const range = kpis.data ? `${date(kpis.data.current.from)} – ${date(kpis.data.current.to)}` : `Last ${days} days`;

  const choose = (next: Period) =>
    setParams(
      (current) => {
        const copy = new URLSearchParams(current);
        copy.set("days", String(next));
        return copy;
      },
      { replace: true },
    );

  return (
    <div className="dashboard">
      <PageHeader
        title="Dashboard"
        subtitle={
          <>
            {range} <LiveStamp />
          </>
        }
        actions={<PeriodPicker value={days} onChange={choose} />}
      />
      <div className="stack">
        <KpiTiles query={kpis} days={days} />
        <div className="grid grid-2">
          <HourlySalesCard />
          <DailySalesCard days={days} />
        </div>
        <RecommendationsCard />
        <div className="grid grid-2">
          <TopProductsCard days={days} />
          <TopCustomersCard days={days} />
        </div>
        <div className="grid grid-2">
          <AgingCard />
          <OverdueCard />
        </div>
        <LowStockCard />
      </div>
    </div>
  );
}

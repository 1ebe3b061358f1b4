// The chart library is the heaviest part of the page: it loads on its own, so the key figures
// and tables show as soon as their data arrives.
import { lazy, Suspense, type ComponentProps } from "react";
import { Loading } from "../../components/ui";
import type { AgingChart as AgingChartType } from "./AgingChart";
import type { SalesChart as SalesChartType } from "./SalesChart";

// Asked for as soon as the page loads, in parallel with the reports, not after them.
const salesModule = import("./SalesChart");
const agingModule = import("./AgingChart");
const SalesChartLazy = lazy(() => salesModule.then((m) => ({ default: m.SalesChart })));
const AgingChartLazy = lazy(() => agingModule.then((m) => ({ default: m.AgingChart })));

function ChartLoading({ short = false }: { short?: boolean }) {
  return (
    <div className={`chart ${short ? "chart-short" : ""} chart-loading`}>
      <Loading text="Loading chart…" />
    </div>
  );
}

export function SalesChart(props: ComponentProps<typeof SalesChartType>) {
  return (
    <Suspense fallback={<ChartLoading />}>
      <SalesChartLazy {...props} />
    </Suspense>
  );
}

export function AgingChart(props: ComponentProps<typeof AgingChartType>) {
  return (
    <Suspense fallback={<ChartLoading short />}>
      <AgingChartLazy {...props} />
    </Suspense>
  );
}

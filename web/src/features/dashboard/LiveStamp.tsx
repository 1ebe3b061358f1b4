// When the figures on screen were last refreshed, and whether the live stream is connected.
import { useIsFetching, useQueryClient } from "@tanstack/react-query";
import { useLive } from "../../live/LiveProvider";
import { dateFormat } from "../../lib/format";

const clock = { format: (d: Date | number) => dateFormat({ hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(d) };

export function LiveStamp() {
  const live = useLive();
  const client = useQueryClient();
  // Re-renders whenever a report starts or finishes loading, which is when the stamp moves.
  const fetching = useIsFetching({ queryKey: ["query"] });
  const updated = client
    .getQueryCache()
    .findAll({ queryKey: ["query"] })
    .reduce((latest, q) => Math.max(latest, q.state.dataUpdatedAt), 0);
  return (
    <span className={`live-stamp ${live.connected ? "on" : ""}`} data-testid="live-stamp">
      <span className="live-stamp-dot" aria-hidden="true" />
      {live.connected ? "Live" : "Offline"}
      {updated > 0 && <span className="muted"> · Updated {clock.format(updated)}</span>}
      {fetching > 0 && <span className="sr-only"> (refreshing)</span>}
    </span>
  );
}

// QueryView for a report: friendlier words for an unavailable analytics service, and a
// failed background refresh keeps the last figures on screen instead of blanking the card.
import type { ReactNode } from "react";
import { QueryView } from "../../components/ui";
import { friendlyError } from "./queries";

export interface ReportQuery<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  refetch: () => unknown;
}

export function ReportView<T>({
  query,
  empty,
  isEmpty,
  children,
}: {
  query: ReportQuery<T>;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  const view = {
    data: query.data,
    error: query.data === undefined ? friendlyError(query.error) : null,
    isPending: query.isPending && query.data === undefined,
    refetch: query.refetch,
  };
  return (
    <QueryView query={view} empty={empty} isEmpty={isEmpty}>
      {children}
    </QueryView>
  );
}

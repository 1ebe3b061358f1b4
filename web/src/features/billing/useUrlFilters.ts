// List filters and paging live in the address, so a filtered list can be bookmarked, shared
// and restored with the back button.
import { useCallback } from "react";
import { useSearchParams } from "react-router";

export function useUrlFilters<K extends string>(keys: readonly K[]) {
  const [params, setParams] = useSearchParams();
  const values = Object.fromEntries(keys.map((k) => [k, params.get(k) ?? ""])) as Record<K, string>;
  const offset = Math.max(0, Number.parseInt(params.get("offset") ?? "0", 10) || 0);

  /** Change some filters; any change of filter starts again from the first page. */
  const setFilters = useCallback(
    (changes: Partial<Record<K, string>>) => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [key, value] of Object.entries(changes) as [K, string | undefined][]) {
            if (value) next.set(key, value);
            else next.delete(key);
          }
          next.delete("offset");
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  const setOffset = useCallback(
    (value: number) => {
      setParams((current) => {
        const next = new URLSearchParams(current);
        if (value > 0) next.set("offset", String(value));
        else next.delete("offset");
        return next;
      });
    },
    [setParams],
  );

  const clear = useCallback(() => setParams(new URLSearchParams(), { replace: true }), [setParams]);
  const active = keys.some((k) => values[k] !== "");

  return { values, offset, setFilters, setOffset, clear, active };
}

/** Undefined for an empty filter, so it is left out of the query string. */
export function orUndefined(value: string): string | undefined {
  return value === "" ? undefined : value;
}

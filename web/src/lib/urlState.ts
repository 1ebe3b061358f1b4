// List filters, searches and pages live in the address, so a view can be bookmarked, shared
// and restored with the back button. A change of filter or search starts at the first page.
import { useCallback, useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router";

/** PARAMS with each filter of CHANGES set (removed when empty) and the paging parameter
 * RESTART removed, so that a new filter starts from the first page. */
export function withFilters(params: URLSearchParams, changes: Record<string, string | undefined>, restart = "offset"): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [name, value] of Object.entries(changes)) {
    if (value) next.set(name, value);
    else next.delete(name);
  }
  next.delete(restart);
  return next;
}

/** The page offset held in the URL parameter KEY, and a setter that leaves the rest alone. */
export function useUrlOffset(key = "offset") {
  const [params, setParams] = useSearchParams();
  const offset = Math.max(0, Number.parseInt(params.get(key) ?? "0", 10) || 0);
  const setOffset = useCallback(
    (value: number) =>
      setParams((current) => {
        const next = new URLSearchParams(current);
        if (value > 0) next.set(key, String(value));
        else next.delete(key);
        return next;
      }),
    [key, setParams],
  );
  return [offset, setOffset] as const;
}

/** Filters named KEYS, as strings ("" when unset), with the page offset. */
export function useUrlFilters<K extends string>(keys: readonly K[]) {
  const [params, setParams] = useSearchParams();
  const [offset, setOffset] = useUrlOffset();
  const values = Object.fromEntries(keys.map((k) => [k, params.get(k) ?? ""])) as Record<K, string>;

  const setFilters = useCallback(
    (changes: Partial<Record<K, string>>) => setParams((current) => withFilters(current, changes), { replace: true }),
    [setParams],
  );

  const clear = useCallback(() => setParams(new URLSearchParams(), { replace: true }), [setParams]);
  const active = keys.some((k) => values[k] !== "");
  return { values, offset, setFilters, setOffset, clear, active };
}

/** A search box's text, written to the URL parameter KEY once typing pauses. */
export function useSearchText(key: string, ms = 250) {
  const [params, setParams] = useSearchParams();
  const committed = params.get(key) ?? "";
  const [text, setText] = useState(committed);
  // What this box last wrote: the URL catching up with it must not undo the typing since.
  const written = useRef(committed);

  useEffect(() => {
    const wanted = text.trim();
    if (wanted === committed) return;
    const timer = setTimeout(() => {
      written.current = wanted;
      setParams((current) => withFilters(current, { [key]: wanted }), { replace: true });
    }, ms);
    return () => clearTimeout(timer);
  }, [text, committed, key, ms, setParams]);

  // Back and forward change the URL under the box; follow them.
  useEffect(() => {
    if (committed === written.current) return;
    written.current = committed;
    setText(committed);
  }, [committed]);

  return { text, setText, committed };
}

/** VALUE when it is one of CHOICES (a status, a method read from the address), else undefined. */
export function oneOf<T extends string>(choices: readonly T[], value: string | null | undefined): T | undefined {
  return (choices as readonly string[]).includes(value ?? "") ? (value as T) : undefined;
}

/** Undefined for an empty filter, so it is left out of the query string. */
export function orUndefined(value: string): string | undefined {
  return value === "" ? undefined : value;
}

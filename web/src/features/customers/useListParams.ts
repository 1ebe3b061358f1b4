// A list's search and page live in the address, so the view can be bookmarked, shared and
// restored with the back button. Typing is debounced before it reaches the URL.
import { useCallback, useEffect, useState } from "react";
import { useSearchParams } from "react-router";

/** The offset held in the URL parameter KEY, and a setter that leaves the other parameters alone. */
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

/** The search box's text, written to the URL parameter KEY once typing pauses; a new search starts at page one. */
export function useSearchText(key: string, ms = 250) {
  const [params, setParams] = useSearchParams();
  const committed = params.get(key) ?? "";
  const [text, setText] = useState(committed);

  useEffect(() => {
    const wanted = text.trim();
    if (wanted === committed) return;
    const timer = setTimeout(
      () =>
        setParams(
          (current) => {
            const next = new URLSearchParams(current);
            if (wanted) next.set(key, wanted);
            else next.delete(key);
            next.delete("offset");
            return next;
          },
          { replace: true },
        ),
      ms,
    );
    return () => clearTimeout(timer);
  }, [text, committed, key, ms, setParams]);

  // Back and forward change the URL under the box; follow them.
  useEffect(() => {
    setText((current) => (current.trim() === committed ? current : committed));
  }, [committed]);

  return { text, setText, committed };
}

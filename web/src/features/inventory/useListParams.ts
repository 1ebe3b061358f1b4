// A list's search, filters and page live in the address, so the view can be bookmarked,
// shared and restored with the back button. Typing is debounced before it reaches the URL.
import { useCallback, useEffect, useState } from "react";
import { useSearchParams } from "react-router";

export function useListParams() {
  const [params, setParams] = useSearchParams();
  const offset = Math.max(0, Number.parseInt(params.get("offset") ?? "0", 10) || 0);

  const set = useCallback(
    (changes: Record<string, string | undefined>, keepOffset = false) => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [key, value] of Object.entries(changes)) {
            if (value) next.set(key, value);
            else next.delete(key);
          }
          if (!keepOffset) next.delete("offset");
          return next;
        },
        { replace: !keepOffset },
      );
    },
    [setParams],
  );

  const setOffset = useCallback((value: number) => set({ offset: value > 0 ? String(value) : undefined }, true), [set]);
  return { params, offset, set, setOffset };
}

/** The search box's text, written to the URL parameter KEY once typing pauses. */
export function useSearchText(key: string, ms = 250) {
  const { params, set } = useListParams();
  const committed = params.get(key) ?? "";
  const [text, setText] = useState(committed);

  useEffect(() => {
    if (text.trim() === committed) return;
    const timer = setTimeout(() => set({ [key]: text.trim() || undefined }), ms);
    return () => clearTimeout(timer);
  }, [text, committed, key, ms, set]);

  // Back and forward change the URL under the box; follow them when the user is not typing.
  useEffect(() => {
    setText((current) => (current.trim() === committed ? current : committed));
  }, [committed]);

  return { text, setText, committed };
}

// A value that follows another once it has stopped changing for a moment (a search box).
import { useEffect, useState } from "react";

export function useDebounced<T>(value: T, ms = 200): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return current;
}

/**
 * Whether a search box's results are not yet those of its TEXT: the text is still settling
 * (DEBOUNCED lags it) or the answer for it is on its way.
 */
export function isSearching(text: string, debounced: string, fetching: boolean): boolean {
  return debounced !== text.trim() || fetching;
}

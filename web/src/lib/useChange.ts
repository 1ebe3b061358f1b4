// A change sent to the server, after which what it can have moved is read again: every query
// whose key starts with one of the given prefixes ("admin", "settings", …) is refreshed
// before ON_DONE runs, so a dialog that closes on success closes onto current figures.
// STORE_AT names the query that holds the saved thing itself (a customer, an order): the
// answer goes there at once, so the page that shows it needs no round trip.
import { useMutation, useQueryClient, type QueryKey } from "@tanstack/react-query";

export function useChange<Input, Result>(
  prefixes: QueryKey[],
  send: (input: Input) => Promise<Result>,
  onDone?: (result: Result, input: Input) => void,
  storeAt?: (result: Result) => QueryKey,
) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSuccess: async (result, input) => {
      if (storeAt) client.setQueryData(storeAt(result), result);
      await Promise.all(prefixes.map((queryKey) => client.invalidateQueries({ queryKey })));
      onDone?.(result, input);
    },
  });
}

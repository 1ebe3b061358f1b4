// Sessions and the second factor: queries and changes. Keys start with "sessions"; every
// change refreshes them.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, call, type Schemas } from "../../api/client";
import { useChange } from "../../lib/useChange";

export type Session = Schemas["SessionRead"];
export type SessionPage = Schemas["SessionPage"];
export type Setup = Schemas["TotpSetup"];
export type Role = Schemas["Role"];

export const PAGE_SIZE = 50;

export function useMySessions() {
  return useQuery({
    queryKey: ["sessions", "mine"],
    queryFn: () => call(api.GET("/auth/sessions", { params: { query: { limit: 500 } } })),
  });
}

export function useAllSessions(offset: number) {
  return useQuery({
    queryKey: ["sessions", "all", { offset }],
    queryFn: () => call(api.GET("/auth/sessions/all", { params: { query: { limit: PAGE_SIZE, offset } } })),
    placeholderData: keepPreviousData,
  });
}

function useRefreshing<T, R>(run: (input: T) => Promise<R>, onDone?: (result: R) => void) {
  return useChange([["sessions"]], run, onDone);
}

export function useEndSession(onDone: () => void) {
  return useRefreshing((id: string) => call(api.POST("/auth/sessions/{session_id}/end", { params: { path: { session_id: id } } })), onDone);
}

export function useSecondFactor() {
  return useQuery({ queryKey: ["sessions", "second-factor"], queryFn: () => call(api.GET("/auth/second-factor")) });
}

export function useSetUp(onDone: (setup: Setup) => void) {
  return useRefreshing(() => call(api.POST("/auth/second-factor/setup")), onDone);
}

export function useConfirm(onDone: (codes: string[]) => void) {
  return useRefreshing(
    (code: string) => call(api.POST("/auth/second-factor/confirm", { body: { code } })),
    (result) => onDone(result.recovery_codes),
  );
}

export function useRenewCodes(onDone: (codes: string[]) => void) {
  return useRefreshing(
    (code: string) => call(api.POST("/auth/second-factor/recovery-codes", { body: { code } })),
    (result) => onDone(result.recovery_codes),
  );
}

export function useDisable(onDone: () => void) {
  return useRefreshing((code: string) => call(api.POST("/auth/second-factor/disable", { body: { code } })), onDone);
}

export function usePolicy() {
  return useQuery({ queryKey: ["sessions", "policy"], queryFn: () => call(api.GET("/auth/second-factor/policy")) });
}

export function useSetPolicy(onDone: () => void) {
  return useRefreshing((roles: Role[]) => call(api.PATCH("/auth/second-factor/policy", { body: { required_roles: roles } })), onDone);
}

// The admin area's queries and changes. Keys start with "admin"; every change refreshes them.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, call, type Schemas } from "../../api/client";
import { useChange } from "../../lib/useChange";

export type User = Schemas["UserRead"];
export type Role = Schemas["Role"];
export type UserChanges = Schemas["UserUpdate"];

export const ROLES: Role[] = ["admin", "accountant", "clerk", "viewer"];
export const PAGE_SIZE = 25;

export function useUserPage(offset: number) {
  return useQuery({
    queryKey: ["admin", "users", { offset }],
    queryFn: () => call(api.GET("/auth/users", { params: { query: { limit: PAGE_SIZE, offset } } })),
    placeholderData: keepPreviousData,
  });
}

export function useCreateUser(onDone: (user: User) => void) {
  return useChange([["admin"]], (body: Schemas["UserCreate"]) => call(api.POST("/auth/users", { body })), onDone);
}

export function useUpdateUser(userId: string, onDone: (user: User) => void) {
  return useChange(
    [["admin"]],
    (body: UserChanges) => call(api.PATCH("/auth/users/{user_id}", { params: { path: { user_id: userId } }, body })),
    onDone,
  );
}

/** The page offset, kept in the address so a reload or a shared link shows the same page. */
export { useUrlOffset } from "../../lib/urlState";

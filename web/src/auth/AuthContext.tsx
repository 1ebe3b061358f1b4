// Who is signed in and what they may do. Permissions come from the server (/auth/me);
// hiding an action is a courtesy, the server still checks every request.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useMemo, useSyncExternalStore, type ReactNode } from "react";
import { api, call, type Schemas } from "../api/client";
import { session } from "./session";

interface Auth {
  signedIn: boolean;
  username: string | null;
  role: string | null;
  me: Schemas["MeRead"] | undefined;
  can: (permission: string) => boolean;
  /** The password step: signed in, or the challenge of a second step (see SecondStep). */
  signIn: (username: string, password: string) => Promise<Schemas["SecondFactorChallenge"] | null>;
  /** Signed in with the tokens the second step gave. */
  begin: (tokens: Schemas["TokenResponse"]) => void;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const current = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.current,
  );
  const queryClient = useQueryClient();
  const me = useQuery({
    queryKey: ["auth", "me", current?.username],
    queryFn: () => call(api.GET("/auth/me")),
    enabled: current !== null,
    staleTime: 5 * 60_000,
  });

  const begin = useCallback(
    (tokens: Schemas["TokenResponse"]) => {
      queryClient.clear();
      session.begin(tokens);
    },
    [queryClient],
  );

  const signIn = useCallback(
    async (username: string, password: string) => {
      const answer = await call(api.POST("/auth/login", { body: { username, password } }));
      if ("challenge" in answer) return answer;
      begin(answer);
      return null;
    },
    [begin],
  );

  const signOut = useCallback(async () => {
    const refresh = session.current?.refresh;
    if (refresh) {
      try {
        await api.POST("/auth/logout", { body: { refresh_token: refresh } });
      } catch {
        // Signing out locally is what matters; the refresh token expires on its own.
      }
    }
    session.expire();
    queryClient.clear();
  }, [queryClient]);

  const value = useMemo<Auth>(() => {
    const permissions = new Set(me.data?.permissions ?? []);
    return {
      signedIn: current !== null,
      username: current?.username ?? null,
      role: current?.role ?? null,
      me: me.data,
      can: (permission) => permissions.has(permission),
      signIn,
      begin,
      signOut,
    };
  }, [current, me.data, signIn, begin, signOut]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}

/** Renders its children only for a user holding PERMISSION. */
export function Can({ permission, children }: { permission: string; children: ReactNode }) {
  return useAuth().can(permission) ? <>{children}</> : null;
}

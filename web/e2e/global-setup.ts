import { request, type FullConfig } from "@playwright/test";
import { USERS } from "./users";

export default async function globalSetup(config: FullConfig) {
  const baseURL = config.projects[0]?.use.baseURL;
  const api = await request.newContext({ baseURL });
  const login = await api.post("/auth/login", { data: { username: "admin", password: USERS.admin.password } });
  if (!login.ok()) throw new Error(`admin login failed: ${login.status()} ${await login.text()}`);
  const { access_token } = (await login.json()) as { access_token: string };
  for (const user of [USERS.accountant, USERS.clerk, USERS.viewer]) {
    const made = await api.post("/auth/users", {
      headers: { Authorization: `Bearer ${access_token}` },
      data: { username: user.username, password: user.password, role: user.role },
    });
    if (!made.ok() && made.status() !== 409) throw new Error(`creating ${user.username}: ${made.status()} ${await made.text()}`);
  }
  await api.dispose();
}

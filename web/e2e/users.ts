// The users the tests sign in as: admin comes with the server, the others are made once.
export const USERS = {
  admin: { username: "admin", password: "e2e-admin-password", role: "admin" },
  accountant: { username: "anna", password: "e2e-accountant-pw", role: "accountant" },
  clerk: { username: "carl", password: "e2e-clerk-password", role: "clerk" },
  viewer: { username: "vera", password: "e2e-viewer-password", role: "viewer" },
} as const;

export type RoleName = keyof typeof USERS;

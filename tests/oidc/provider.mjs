// A real OpenID Connect provider (the certified `oidc-provider` package) for the SSO tests.
//
// Configured by a JSON file named in the first argument:
//   { "port": 0, "issuer": "http://127.0.0.1:<port>", "jwks": {"keys": [<private JWKs>]},
//     "redirect_uris": [...], "accounts": {"alice": {"password": "...", "email": "...",
//     "realm_roles": [...], "client_roles": {"pulse-web": [...]}, "roles": [...]}} }
// The first key signs. Access tokens are JWTs for these resource indicators:
//   urn:pulse:api             audience "pulse-api", 300 s (the default resource)
//   urn:pulse:api:short-lived audience "pulse-api", 1 s
//   urn:other:api             audience "other-api", 300 s
// Sign-in is a plain form (user name, password) and consent is implied for these clients.
// Prints "listening <url>" on stdout once it accepts connections.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { URL } from 'node:url';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts;

const RESOURCES = {
  'urn:pulse:api': { audience: 'pulse-api', accessTokenTTL: 300 },
  'urn:pulse:api:short-lived': { audience: 'pulse-api', accessTokenTTL: 1 },
  'urn:other:api': { audience: 'other-api', accessTokenTTL: 300 },
};

const clients = ['pulse-web', 'pulse-other'].map((clientId) => ({
  client_id: clientId,
  token_endpoint_auth_method: 'none',
  application_type: 'web',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  redirect_uris: config.redirect_uris,
}));

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const provider = new Provider(config.issuer, {
  clients,
  jwks: config.jwks,
  cookies: { keys: ['test-cookie-key-not-secret'] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:pulse:api',
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, indicator) => {
        const server = RESOURCES[indicator];
        if (!server) throw new Provider.errors.InvalidTarget();
        return { scope: 'pulse', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } }, ...server };
      },
    },
  },
  async findAccount(ctx, sub) {
    const account = accounts[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      claims: async () => ({ sub, email: account.email, name: account.name ?? sub, preferred_username: sub }),
    };
  },
  async extraTokenClaims(ctx, token) {
    if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
    const account = accounts[token.accountId];
    const claims = {
      preferred_username: token.accountId,
      email: account.email,
      realm_access: { roles: account.realm_roles ?? [] },
      resource_access: Object.fromEntries(
        Object.entries(account.client_roles ?? {}).map(([client, roles]) => [client, { roles }]),
      ),
    };
    if (account.roles) claims.roles = account.roles;
    return claims;
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email');
    for (const indicator of Object.keys(RESOURCES)) grant.addResourceScope(indicator, 'pulse');
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AuthorizationCode: 60, IdToken: 300 },
});
provider.proxy = false;
provider.on('server_error', (ctx, error) => process.stderr.write(`server_error: ${error.stack}\n`));

function page(uid, error) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider sign-in</title></head>
<body><main><h1>Test provider sign-in</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label>User name <input name="login" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form></main></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const callback = provider.callback();
const server = createServer(async (req, res) => {
  const url = new URL(req.url, config.issuer);
  const match = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page(details.uid));
    }
    const form = await readForm(req);
    const account = accounts[form.get('login')];
    if (!account || account.password !== form.get('password')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page(details.uid, 'Wrong user name or password'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: form.get('login') } }, {
      mergeWithLastSubmission: false,
    });
  } catch (error) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    return res.end(String(error));
  }
});

server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${config.issuer}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));

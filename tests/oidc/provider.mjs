// A real OpenID Connect provider (the npm package oidc-provider) for the single sign-on
// tests, started by tests/support/oidc.py. It listens on a free port of 127.0.0.1, then
// prints one JSON line {"issuer": ...} on stdout.
//
// Configuration comes as JSON in OIDC_TEST_CONFIG:
//   clients:  [{client_id, client_secret, redirect_uris}] (static registrations)
//   accounts: {login: {email, email_verified, name, groups}} (who may sign in)
//   foreign_audience: {client_id: other_client_id}: the ID token this client receives is
//     one the provider issued for the other (registered) client, naming the receiving
//     client as its authorized party (azp): a provider that mixes up its clients (the
//     "wrong audience" case)
//   clock_offset_seconds: the provider's clock runs this far ahead (or behind, negative)
//   id_token_ttl: seconds an ID token is valid
//
// Interaction (test-only): /interaction/:uid shows a form with one field, "login", the
// account to sign in as, without a password; consent is given on the user's behalf.
// No page of this provider loads anything from elsewhere.
import * as http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
const offsetMs = (config.clock_offset_seconds || 0) * 1000;
if (offsetMs) {
  // Every time the provider writes into a token (iat, exp) comes from Date.now().
  const realNow = Date.now;
  Date.now = () => realNow() + offsetMs;
}

const accounts = config.accounts || {};
const SCOPE = 'openid email profile groups';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: (config.clients || []).map((client) => ({
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: client.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    jwks: { keys: [jwk] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    scopes: SCOPE.split(' '),
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { IdToken: config.id_token_ttl || 3600 },
    cookies: { keys: ['test-only-cookie-key'] },
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...account }) };
    },
    // Consent is not asked: every client of this provider is the tracker under test.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(SCOPE);
      await grant.save();
      return grant;
    },
  });

  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
    if (!match) {
      await next();
      const other = config.foreign_audience?.[ctx.oidc?.client?.clientId];
      if (ctx.path === '/token' && other && ctx.body?.id_token) {
        ctx.body = { ...ctx.body, id_token: await issueFor(ctx, other, ctx.body.id_token) };
      }
      return;
    }
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === 'POST') {
      const form = await readForm(ctx.req);
      const login = form.get('login') || '';
      if (!accounts[login]) {
        ctx.status = 400;
        ctx.type = 'html';
        ctx.body = page(details.uid, `No account "${escapeHtml(login)}" at this provider.`);
        return;
      }
      await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: login } }, {
        mergeWithLastSubmission: false,
      });
      ctx.respond = false;
      return;
    }
    ctx.type = 'html';
    ctx.body = page(details.uid, '');
  });

  async function issueFor(ctx, clientId, original) {
    const client = await provider.Client.find(clientId);
    const claims = decodeJwt(original);
    const token = new provider.IdToken({ sub: claims.sub }, { ctx, client });
    for (const [key, value] of Object.entries(claims)) {
      if (!['aud', 'iss', 'iat', 'exp', 'azp', 'at_hash', 'c_hash'].includes(key)) {
        token.set(key, value);
      }
    }
    // Naming the receiving client as the authorized party: only the audience says that
    // the token is not for it.
    token.set('azp', ctx.oidc.client.clientId);
    return token.issue({ use: 'idtoken' });
  }

  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

function page(uid, error) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Test provider</title></head>
<body><h1>Test provider</h1>${error ? `<p id="error">${error}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}">
<label for="login">Account</label> <input id="login" name="login" autofocus>
<button type="submit">Continue</button></form></body></html>`;
}

process.on('SIGTERM', () => process.exit(0));

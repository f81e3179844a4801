// A real OpenID provider for the login tests: the npm package oidc-provider (installed outside the
// repository by .ci/run, like axe-core), on a free loopback port, with one client and invented
// test accounts. Usage: node provider.mjs CONFIG.json (tests/oidckit.py writes the config).
//
// Login is scriptable: GET /interaction/:uid shows a plain form listing the accounts, and a POST
// of `account` (and, for ID-porten, `acr`) finishes login and consent at once. The ID token is
// signed with this process's own RSA key, published at its JWKS endpoint as usual.
//
// For the attack tests, POST /test/mode with a mode changes the next ID tokens the token
// endpoint hands out: "tamper" (a claim changed after signing), "expired" (re-signed, expired an
// hour ago), "audience" (re-signed for another client), "issuer" (re-signed by another issuer's
// name), "nonce" (re-signed with another nonce), "none" (as issued). The key stays the real one,
// so only the claim checks can catch the re-signed ones.
import { createServer } from 'node:http';
import { generateKeyPairSync, sign, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const entry = join(config.module_dir, 'node_modules', 'oidc-provider', 'lib', 'index.js');
const { default: Provider } = await import(pathToFileURL(entry).href);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = randomUUID().slice(0, 8);
const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

const accounts = config.accounts; // id -> claims
const claimNames = new Set(['sub']);
for (const claims of Object.values(accounts)) Object.keys(claims).forEach((c) => claimNames.add(c));

let mode = 'none';

const b64 = (data) => Buffer.from(data).toString('base64url');
const unb64 = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

function resign(header, payload) {
  const signingInput = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(signingInput), privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

function alter(idToken) {
  const [h, p, s] = idToken.split('.');
  const header = unb64(h);
  const payload = unb64(p);
  const now = Math.floor(Date.now() / 1000);
  switch (mode) {
    case 'tamper':
      return `${h}.${b64(JSON.stringify({ ...payload, sub: 'someone-else' }))}.${s}`;
    case 'expired':
      return resign(header, { ...payload, iat: now - 7200, exp: now - 3600 });
    case 'audience':
      return resign(header, { ...payload, aud: 'another-client' });
    case 'issuer':
      return resign(header, { ...payload, iss: 'https://issuer.example.org' });
    case 'nonce':
      return resign(header, { ...payload, nonce: 'not-the-one-sent' });
    default:
      return idToken;
  }
}

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      post_logout_redirect_uris: config.post_logout_redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [jwk] },
  findAccount: async (ctx, id) =>
    accounts[id] ? { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) } : undefined,
  claims: { openid: [...claimNames] },
  conformIdTokenClaims: false, // the claims go in the ID token itself, as ID-porten's pid does
  acrValues: config.acr_values,
  pkce: { required: () => true, methods: ['S256'] },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: [randomUUID()] },
});
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && mode !== 'none' && ctx.body && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: alter(ctx.body.id_token) };
  }
});

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    const options = Object.keys(accounts)
      .map((id) => `<option value="${escape(id)}">${escape(id)}</option>`)
      .join('');
    const acrs = (config.acr_values || [])
      .map((acr) => `<option value="${escape(acr)}">${escape(acr)}</option>`)
      .join('');
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(
      `<!doctype html><html lang="nb"><title>Testinnlogging</title><form method="post">` +
        `<label>Konto <select name="account">${options}</select></label>` +
        (acrs ? `<label>Nivå <select name="acr">${acrs}</select></label>` : '') +
        `<button>Logg inn</button></form></html>`,
    );
    return;
  }
  const form = await readForm(req);
  const accountId = form.get('account');
  if (!accounts[accountId]) {
    await provider.interactionFinished(req, res, { error: 'access_denied' });
    return;
  }
  const { params } = details;
  const grant = new provider.Grant({ accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  grant.addOIDCClaims([...claimNames]);
  const grantId = await grant.save();
  const login = { accountId };
  if (form.get('acr')) login.acr = form.get('acr');
  await provider.interactionFinished(req, res, { login, consent: { grantId } });
}

const callback = provider.callback();
server.on('request', async (req, res) => {
  try {
    if (req.url.startsWith('/interaction/')) {
      await interaction(req, res);
    } else if (req.url === '/test/mode' && req.method === 'POST') {
      mode = (await readForm(req)).get('mode') || 'none';
      res.end(mode);
    } else {
      callback(req, res);
    }
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err));
  }
});
// The tests read this line to learn where the provider is.
process.stdout.write(`${issuer}\n`);

#!/usr/bin/env node
// The admin API's connections, for operators without curl habits.
//   npm run connections -- list
//   npm run connections -- show <id>
//   npm run connections -- add --company <uuid> --name <name> [--erp sandbox] [--erp-settings '{…}']
//        [--booking '{"walletAccount":"1910",…}'] (--pleo-api-key <key> | --pleo-oauth-client <id> --pleo-client-secret <s>)
//   npm run connections -- set <id> [--name …] [--booking '{…}'] [--erp-settings '{…}'] [--secret name=value …] [--status active|disabled]
//   npm run connections -- verify <id>
//   npm run connections -- connect <id>      prints the link that connects the company to Pleo (OAuth)
//   npm run connections -- connect <id> xero [--tenant <tenant id>]   the link that connects Xero (OAuth; the
//        organisation: --tenant, the only one authorised, or chosen on the page the link leads to)
//   npm run connections -- delete <id>
// API_URL (default http://localhost:3000) and ADMIN_API_TOKEN come from the environment (or .env).
import { existsSync } from 'node:fs';

if (existsSync('.env')) process.loadEnvFile('.env');
const apiUrl = (process.env.API_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
const token = process.env.ADMIN_API_TOKEN;

function parse(args) {
  const positional = [];
  const flags = {};
  for (let i = 0; i < args.length; i++) {
    if (!args[i].startsWith('--')) positional.push(args[i]);
    else {
      const name = args[i].slice(2);
      const value = args[i + 1] && !args[i + 1].startsWith('--') ? args[++i] : 'true';
      (flags[name] ??= []).push(value);
    }
  }
  return { positional, flag: (name) => flags[name]?.at(-1), flags };
}

function json(text, what) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} must be JSON, e.g. '{"walletAccount":"1910"}'`);
  }
}

async function call(method, path, body) {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body && { 'content-type': 'application/json' }) },
    body: body && JSON.stringify(body),
  }).catch((err) => {
    throw new Error(`cannot reach the API at ${apiUrl} (set API_URL): ${err.cause?.message ?? err.message}`);
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function addBody(flag, flags) {
  const secrets = {};
  if (flag('pleo-api-key')) secrets.pleoApiKey = flag('pleo-api-key');
  if (flag('pleo-client-secret')) secrets.pleoClientSecret = flag('pleo-client-secret');
  for (const pair of flags.secret ?? []) secrets[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
  const oauthClient = flag('pleo-oauth-client');
  return {
    companyId: flag('company'),
    name: flag('name') ?? flag('company'),
    erpKind: flag('erp') ?? 'sandbox',
    erpSettings: json(flag('erp-settings'), '--erp-settings') ?? {},
    booking: json(flag('booking'), '--booking') ?? {},
    pleo: oauthClient ? { auth: 'oauth', clientId: oauthClient } : { auth: 'api_key' },
    secrets,
  };
}

function setBody(flag, flags) {
  const body = {};
  if (flag('name')) body.name = flag('name');
  if (flag('booking')) body.booking = json(flag('booking'), '--booking');
  if (flag('erp-settings')) body.erpSettings = json(flag('erp-settings'), '--erp-settings');
  if (flag('status')) body.status = flag('status');
  for (const pair of flags.secret ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error('--secret takes name=value (an empty value removes the secret)');
    (body.secrets ??= {})[pair.slice(0, at)] = pair.slice(at + 1) || null;
  }
  return body;
}

async function main() {
  if (!token) throw new Error('set ADMIN_API_TOKEN (the API’s admin token)');
  const { positional, flag, flags } = parse(process.argv.slice(2));
  const [command, id, provider] = positional;
  const needId = () => {
    if (!id) throw new Error(`usage: npm run connections -- ${command} <connection id>`);
    return encodeURIComponent(id);
  };
  const commands = {
    list: () => call('GET', '/admin/connections'),
    show: () => call('GET', `/admin/connections/${needId()}`),
    add: () => call('POST', '/admin/connections', addBody(flag, flags)),
    set: () => call('PATCH', `/admin/connections/${needId()}`, setBody(flag, flags)),
    verify: () => call('POST', `/admin/connections/${needId()}/verify`),
    connect: () => {
      if (!provider || provider === 'pleo') return call('POST', `/admin/connections/${needId()}/connect`);
      if (provider !== 'xero') throw new Error('usage: npm run connections -- connect <id> [pleo|xero] [--tenant <Xero tenant id>]');
      return call('POST', `/admin/connections/${needId()}/connect/xero`, flag('tenant') ? { tenantId: flag('tenant') } : {});
    },
    delete: async () => (await call('DELETE', `/admin/connections/${needId()}`)) ?? { deleted: id },
  };
  const run = commands[command];
  if (!run) throw new Error(`usage: npm run connections -- ${Object.keys(commands).join('|')} …`);
  console.log(JSON.stringify(await run(), null, 2));
}

main().catch((err) => {
  console.error(err.message ?? err);
  process.exit(1);
});

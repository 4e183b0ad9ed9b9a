#!/usr/bin/env node
// Signs a JSON file the way Pleo does (Standard Webhooks) and posts it to the service.
//   npm run webhook:send -- <file.json> [--url http://localhost:3000/webhooks/pleo] [--secret whsec_…]
//                                       [--id msg_…] [--fresh] [--fake-pleo http://localhost:4010]
// The secret defaults to the first of PLEO_WEBHOOK_SECRETS (environment or .env). --fresh gives the
// body a new eventId and data.id, so the same sample can be sent again as a new event.
// --fake-pleo first registers the body's vendor with the fake Pleo (the demo's stand-in for
// Pleo), as if a bookkeeper had just created it there.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Webhook } = require('standardwebhooks');

function usage(message) {
  if (message) console.error(message);
  console.error('usage: npm run webhook:send -- <file.json> [--url URL] [--secret whsec_…] [--id msg_…] [--fresh] [--fake-pleo URL]');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { fresh: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--fresh') opts.fresh = true;
    else if (['--url', '--secret', '--id', '--fake-pleo'].includes(arg)) {
      if (argv[i + 1] === undefined) usage(`${arg} needs a value`);
      opts[arg.slice(2)] = argv[++i];
    } else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
    else if (opts.file) usage('only one file');
    else opts.file = arg;
  }
  if (!opts.file) usage('no file given');
  return opts;
}

async function main() {
  try { process.loadEnvFile('.env'); } catch { /* no .env */ }
  const opts = parseArgs(process.argv.slice(2));
  const secret = opts.secret ?? (process.env.PLEO_WEBHOOK_SECRETS ?? '').split(',')[0].trim();
  if (!secret) usage('no secret: set PLEO_WEBHOOK_SECRETS or pass --secret');
  const url = opts.url ?? `http://localhost:${process.env.PORT || 3000}/webhooks/pleo`;

  let body = readFileSync(opts.file, 'utf8');
  if (opts.fresh) {
    const json = JSON.parse(body);
    json.eventId = randomUUID();
    if (json.data && typeof json.data === 'object') json.data.id = randomUUID();
    body = JSON.stringify(json);
  }
  if (opts['fake-pleo']) {
    const reg = await fetch(new URL('/_fake/vendors', opts['fake-pleo']), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (!reg.ok) throw new Error(`the fake Pleo refused the vendor: ${reg.status} ${await reg.text()}`);
    console.log(`registered vendor ${JSON.parse(body).data?.id} with the fake Pleo`);
  }
  const id = opts.id ?? `msg_${randomUUID().replace(/-/g, '')}`;
  const now = new Date();
  const signature = new Webhook(secret).sign(id, now, body);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body,
  });
  const text = await res.text();
  console.log(`${res.status} ${res.statusText}  webhook-id: ${id}`);
  console.log(text);
  process.exit(res.ok ? 0 : 1);
}

main().catch((err) => {
  console.error(`webhook:send failed: ${err.cause?.message ?? err.message}`);
  process.exit(1);
});

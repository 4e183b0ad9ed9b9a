import { LookupAddress, lookup as dnsLookup } from 'node:dns';
import http, { IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { isForbiddenAddress } from './address-policy';

export interface ReceiptFetchOptions {
  /** hard cap on a file's bytes (Pleo caps receipts at 30 MB) */
  maxBytes: number;
  timeoutMs: number;
  /** `host:port` entries that may be fetched over http and may resolve to private addresses */
  allowedHttpHosts: readonly string[];
  maxRedirects?: number;
}

/** Why a receipt could not be fetched; `retryable` when another try may succeed (5xx, network). */
export class ReceiptFetchError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ReceiptFetchError';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const GENERIC_TYPES = new Set(['application/octet-stream', 'binary/octet-stream']);
const mediaType = (value: string | undefined) => value?.split(';')[0].trim().toLowerCase().replace('image/jpg', 'image/jpeg');
const hostKey = (url: URL) => `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`.toLowerCase();

/** DNS resolution at connect time that refuses forbidden addresses, so DNS rebinding cannot pass. */
const guardedLookup = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err);
    const bad = addresses.find((a) => isForbiddenAddress(a.address));
    if (bad || !addresses.length) return callback(Object.assign(new Error(`${hostname} resolves to a forbidden address (${bad?.address ?? 'none'})`), { code: 'ERECEIPT_FORBIDDEN' }));
    if (options.all) return callback(null, addresses);
    return callback(null, addresses[0].address, addresses[0].family);
  });
}) as unknown as typeof dnsLookup;

/**
 * Downloads a receipt from the time-limited URL Pleo gives (S1, F-10): https only (http only for
 * hosts an operator allows), never to loopback / private / link-local / metadata addresses (checked
 * for literal hosts up front and for names at connect time), redirects followed by hand with every
 * hop checked again, at most `maxBytes` read (Content-Length first, then while streaming), the
 * content type checked against the one Pleo declared, and no credentials of any kind sent.
 */
export class ReceiptFetcher {
  private readonly allowed: Set<string>;

  constructor(private readonly options: ReceiptFetchOptions) {
    this.allowed = new Set(options.allowedHttpHosts.map((h) => h.trim().toLowerCase()).filter(Boolean));
  }

  async fetch(rawUrl: string, expectedType: string, signal?: AbortSignal): Promise<Buffer> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    const abort = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let url = this.parse(rawUrl);
    for (let hop = 0; ; hop++) {
      const res = await this.get(url, abort);
      const location = res.headers.location;
      if (REDIRECTS.has(res.statusCode ?? 0) && location) {
        res.resume();
        if (hop >= (this.options.maxRedirects ?? 5)) throw new ReceiptFetchError('the receipt URL redirects too many times', false);
        url = this.parse(new URL(location, url).toString());
        continue;
      }
      return this.body(res, url, expectedType, abort);
    }
  }

  /** The scheme and host rules; a literal IP is checked here (connecting to it does no lookup). */
  private parse(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ReceiptFetchError('the receipt URL is not a valid URL', false);
    }
    const allowed = this.allowed.has(hostKey(url));
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowed)) {
      throw new ReceiptFetchError(`refused to fetch a receipt over ${url.protocol.replace(':', '')} from ${url.host} (https only, unless the host is in RECEIPT_ALLOWED_HTTP_HOSTS)`, false);
    }
    if (url.username || url.password) throw new ReceiptFetchError('refused a receipt URL carrying credentials', false);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!allowed && isIP(host) && isForbiddenAddress(host)) throw new ReceiptFetchError(`refused to fetch a receipt from the internal address ${host}`, false);
    return url;
  }

  private get(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(url, {
        method: 'GET',
        agent: false,
        signal,
        // Nothing from the item goes into a header, and no credentials of any kind.
        headers: { accept: '*/*', 'user-agent': 'pleo-erp-sync' },
        ...(!this.allowed.has(hostKey(url)) && { lookup: guardedLookup }),
      });
      req.on('response', resolve);
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.failure(err, signal)));
      req.end();
    });
  }

  private async body(res: IncomingMessage, url: URL, expectedType: string, signal: AbortSignal): Promise<Buffer> {
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      res.resume();
      throw new ReceiptFetchError(`the receipt host ${url.host} answered ${status}`, status >= 500 || status === 429 || status === 408);
    }
    const declared = Number(res.headers['content-length']);
    if (declared > this.options.maxBytes) {
      res.destroy();
      throw new ReceiptFetchError(`the receipt is ${declared} bytes, more than the ${this.options.maxBytes} allowed`, false);
    }
    const served = mediaType(res.headers['content-type']);
    if (served && !GENERIC_TYPES.has(served) && served !== mediaType(expectedType)) {
      res.destroy();
      throw new ReceiptFetchError(`the receipt was served as ${served}, but Pleo describes it as ${expectedType}`, false);
    }
    const chunks: Buffer[] = [];
    let read = 0;
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        read += chunk.length;
        if (read > this.options.maxBytes) {
          res.destroy();
          throw new ReceiptFetchError(`the receipt is larger than the ${this.options.maxBytes} bytes allowed (stopped reading)`, false);
        }
        chunks.push(chunk);
      }
    } catch (err) {
      throw this.failure(err as NodeJS.ErrnoException, signal);
    }
    return Buffer.concat(chunks, read);
  }

  private failure(err: NodeJS.ErrnoException, signal: AbortSignal): ReceiptFetchError {
    if (err instanceof ReceiptFetchError) return err;
    if (err.code === 'ERECEIPT_FORBIDDEN') return new ReceiptFetchError(`refused to connect: ${err.message}`, false);
    if (signal.aborted) return new ReceiptFetchError(`the receipt download was stopped (${(signal.reason as Error)?.message ?? 'timeout'})`, true);
    return new ReceiptFetchError(`the receipt download failed: ${err.message}`, true);
  }
}

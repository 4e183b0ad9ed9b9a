import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface ConsoleFile {
  type: string;
  body: Buffer;
}

/** The page's files (copied beside the compiled code by `nest build`, see nest-cli.json assets). */
export const CONSOLE_FILES = {
  dir: path.join(__dirname, 'static'),
  names: { 'index.html': 'text/html; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' },
  /** Scripts and styles from this origin only, data calls to it only, no framing. */
  csp: "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
} as const;

export type ConsoleFileName = keyof typeof CONSOLE_FILES.names;

/** Read once at start-up: a missing file is a broken build, better seen at once. */
export function readConsoleFiles(): Record<ConsoleFileName, ConsoleFile> {
  const entries = Object.entries(CONSOLE_FILES.names).map(([name, type]) => [name, { type, body: readFileSync(path.join(CONSOLE_FILES.dir, name)) }]);
  return Object.fromEntries(entries) as Record<ConsoleFileName, ConsoleFile>;
}

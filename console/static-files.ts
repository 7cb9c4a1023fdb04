/**
 * The console's page and its browser code, served as they are on disk from `console/web/`
 * (no build step), and the one library it uses, dagre, served from node_modules under the
 * name the page's import map gives it. Every answer carries the console's security headers:
 * a Content-Security-Policy that allows scripts from this server only (the import map by its
 * hash), no framing, no sniffing.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonReply } from '../local/aws-json';

/** Where the browser code lives. */
export const WEB_DIR = fileURLToPath(new URL('./web/', import.meta.url));

/** dagre's self-contained ES module build, as its package exports it to `import`. */
const DAGRE_PATH = join(
  dirname(createRequire(import.meta.url).resolve('@dagrejs/dagre/package.json')),
  'dist',
  'dagre.esm.js',
);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The hashes of the page's inline `<script type="importmap">` blocks, for the CSP. */
export function importMapHashes(html: string): string[] {
  return [...html.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)].map(
    (match) =>
      `'sha256-${createHash('sha256')
        .update(match[1] as string)
        .digest('base64')}'`,
  );
}

/** The console's Content-Security-Policy: its own scripts and styles only, nothing inline but the import map. */
export function contentSecurityPolicy(html: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' ${importMapHashes(html).join(' ')}`.trim(),
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers on every console answer. */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
  };
}

/** A file of `console/web/` by its path under `/console/`, or undefined (never outside the folder). */
function webFile(path: string): { file: string; type: string } | undefined {
  if (!/^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*\.(js|css|html|svg|png)$/.test(path)) return undefined;
  const file = normalize(join(WEB_DIR, path));
  if (!file.startsWith(WEB_DIR.endsWith(sep) ? WEB_DIR : `${WEB_DIR}${sep}`)) return undefined;
  return { file, type: TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' };
}

/**
 * Answers `GET /` (the page), `GET /console/<file>` (the browser code) and
 * `GET /console/vendor/dagre.js`; undefined for anything else. Files are read per request,
 * so an edit shows on reload.
 */
export function staticFile(method: string, pathname: string): JsonReply | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  let found: { file: string; type: string } | undefined;
  if (pathname === '/' || pathname === '/index.html') found = webFile('index.html');
  else if (pathname === '/console/vendor/dagre.js')
    found = { file: DAGRE_PATH, type: TYPES['.js'] as string };
  else if (pathname.startsWith('/console/')) found = webFile(pathname.slice('/console/'.length));
  if (!found) return undefined;
  let body: Buffer;
  try {
    body = readFileSync(found.file);
  } catch {
    return undefined;
  }
  const html = readFileSync(join(WEB_DIR, 'index.html'), 'utf8');
  return {
    status: 200,
    payload: null,
    headers: securityHeaders(contentSecurityPolicy(html)),
    raw: { contentType: found.type, text: found.type.startsWith('image/png') ? body : body.toString('utf8') },
  };
}

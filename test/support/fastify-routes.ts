import { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  method: string;
  url: string;
}

/**
 * Fastify's own route table (`printRoutes`, the tree it matches against), flattened to
 * method + full URL. The tree prints one path segment per line, indented 4 characters per level:
 *   └── /
 *       ├── admin/events (GET, HEAD)
 *       │   └── /:id (GET, HEAD)
 */
export function registeredRoutes(fastify: FastifyInstance): RegisteredRoute[] {
  const stack: string[] = [];
  const routes: RegisteredRoute[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!m) continue;
    const depth = [...m[1]].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    if (!m[3]) continue;
    const url = stack.join('').replace(/\/{2,}/g, '/');
    for (const method of m[3].split(', ')) routes.push({ method, url });
  }
  return routes;
}

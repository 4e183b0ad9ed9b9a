import { INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { getMetadataStorage } from 'class-validator';

type Schema = { $ref?: string; properties?: Record<string, Schema>; allOf?: Schema[]; items?: Schema };
type Doc = { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> } };
type Dto = abstract new (...args: never[]) => unknown;

/** A controller route that validates its whole query string or body against a DTO class. */
export interface DtoRoute {
  /** `GET /admin/events/{id}` (OpenAPI's path form) */
  route: string;
  source: 'query' | 'body';
  dto: Dto;
}

/**
 * The fields the global ValidationPipe (whitelist, forbidNonWhitelisted) lets through for a DTO:
 * every property with a class-validator rule, inherited ones included — from class-validator's own
 * metadata, so a field is counted wherever the class that declares it lives.
 */
export function acceptedFields(dto: Dto): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

/** Every `@Query()` / `@Body()` DTO class of every controller route, read from Nest's route metadata. */
export function dtoRoutes(app: INestApplication): DtoRoute[] {
  const container = (app as unknown as { container: { getModules(): Map<string, { controllers: Map<unknown, { metatype: unknown }> }> } }).container;
  const controllers = new Set<new () => object>();
  for (const module of container.getModules().values()) for (const wrapper of module.controllers.values()) controllers.add(wrapper.metatype as new () => object);
  const routes: DtoRoute[] = [];
  for (const controller of controllers) {
    const prefix = pathsOf(Reflect.getMetadata(PATH_METADATA, controller))[0];
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = controller.prototype[name as keyof object];
      const method = typeof handler === 'function' ? (Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined) : undefined;
      if (method === undefined) continue;
      const args: Record<string, { index: number; data?: unknown }> = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {};
      const types: unknown[] = Reflect.getMetadata('design:paramtypes', controller.prototype, name) ?? [];
      for (const path of pathsOf(Reflect.getMetadata(PATH_METADATA, handler))) {
        const route = `${RequestMethod[method]} ${openApiPath(prefix, path)}`;
        for (const [key, arg] of Object.entries(args)) {
          const source = Number(key.split(':')[0]) === RouteParamtypes.QUERY ? 'query' : Number(key.split(':')[0]) === RouteParamtypes.BODY ? 'body' : null;
          const dto = types[arg.index];
          // a whole query or body typed with a class that has validation rules (not a single @Query('x'), not a plain Record)
          if (source && arg.data === undefined && typeof dto === 'function' && acceptedFields(dto as Dto).length) routes.push({ route, source, dto: dto as Dto });
        }
      }
    }
  }
  return routes;
}

export interface FieldMismatch {
  /** `POST /admin/events/replay body`, `POST /admin/connections body.booking` */
  at: string;
  documented: string[];
  accepted: string[];
}

/**
 * Each DTO route's documented query parameters or body properties against the fields its class
 * accepts, nested body DTOs included; empty when /docs says exactly what the validation takes.
 */
export function fieldMismatches(doc: Doc, routes: DtoRoute[]): FieldMismatch[] {
  return routes.flatMap(({ route, source, dto }) => {
    const [method, path] = route.split(' ');
    const op = doc.paths[path]?.[method.toLowerCase()] ?? {};
    if (source === 'query') return mismatch(`${route} query`, (op.parameters ?? []).filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name), dto);
    return bodyMismatches(doc, `${route} body`, dto, propertiesOf(doc, op.requestBody?.content?.['application/json']?.schema ?? {}));
  });
}

function bodyMismatches(doc: Doc, at: string, dto: Dto, properties: Record<string, Schema>): FieldMismatch[] {
  const nested = acceptedFields(dto).flatMap((field) => {
    const type = Reflect.getMetadata('design:type', dto.prototype as object, field);
    const isDto = typeof type === 'function' && acceptedFields(type).length > 0;
    return isDto && properties[field] ? bodyMismatches(doc, `${at}.${field}`, type, propertiesOf(doc, properties[field])) : [];
  });
  return [...mismatch(at, Object.keys(properties), dto), ...nested];
}

function mismatch(at: string, documentedNames: string[], dto: Dto): FieldMismatch[] {
  const documented = [...documentedNames].sort();
  const accepted = acceptedFields(dto);
  return JSON.stringify(documented) === JSON.stringify(accepted) ? [] : [{ at, documented, accepted }];
}

function propertiesOf(doc: Doc, schema: Schema): Record<string, Schema> {
  if (schema.$ref) return propertiesOf(doc, doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')] ?? {});
  return Object.assign({}, ...(schema.allOf ?? []).map((s) => propertiesOf(doc, s)), schema.properties ?? {});
}

const pathsOf = (value: string | string[] | undefined): string[] => (Array.isArray(value) ? value : [value ?? '']);

const openApiPath = (prefix: string, path: string) =>
  `/${[prefix, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`.replace(/:(\w+)/g, '{$1}');

/** GET /openapi.yaml: the API contract the server validates requests with (OpenAPI 3.1). */
import type { ApiSpec } from '../../api/index.js';
import { typedReply } from '../reply.js';
import { get, type Route } from '../route.js';

export function openapiRoutes(api: ApiSpec): Route[] {
  return [get('/openapi.yaml', () => typedReply('application/yaml; charset=utf-8', api.text, { 'Cache-Control': 'no-cache' }))];
}

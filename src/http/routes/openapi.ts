/** GET /openapi.yaml: the API contract the server validates requests with (OpenAPI 3.1). */
import { Router } from 'express';
import type { ApiSpec } from '../../api/index.js';

export function openapiRoutes(api: ApiSpec): Router {
  const r = Router();
  r.get('/openapi.yaml', (_req, res) => {
    res.set('Content-Type', 'application/yaml; charset=utf-8').set('Cache-Control', 'no-cache').send(api.text);
  });
  return r;
}

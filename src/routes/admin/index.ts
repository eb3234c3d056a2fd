import { requireAdmin } from '../../http/admin-auth';
import type { Deps } from '../../services';
import { createRouter } from '../router';
import { adminChangeRoutes } from './changes/index';
import { adminDetectionRoutes } from './detections/index';
import { adminDigestRoutes } from './digests/index';
import { adminEventRoutes } from './events/index';
import { adminIntegratorRoutes } from './integrators/index';
import { adminSigningKeyRoutes } from './signing-keys/index';

/** Every /v1/admin route, behind the bearer ADMIN_TOKEN. */
export function adminRoutes(deps: Deps) {
  const router = createRouter();
  router.use('/v1/admin/*', requireAdmin(deps.config.adminToken));
  return router
    .route('/', adminEventRoutes(deps))
    .route('/', adminChangeRoutes(deps))
    .route('/', adminDetectionRoutes(deps))
    .route('/', adminDigestRoutes(deps))
    .route('/', adminIntegratorRoutes(deps))
    .route('/', adminSigningKeyRoutes(deps));
}

/**
 * Email rendering: precompiled MJML (compiled.ts, built by scripts/compile-templates.ts)
 * filled per recipient with escaped values. Node-free: safe to import from the Worker.
 */
export { renderConfirmEmail } from './confirm-email';
export { DEFAULT_DIGEST_HTML_BUDGET, renderDigestEmail } from './digest-email';
export { renderManageEmail } from './manage-email';
export type {
  AlertChoices,
  ConfirmEmailModel,
  DigestBadge,
  DigestCountry,
  DigestItem,
  DigestModel,
  DigestRenderOptions,
  DigestSource,
  Frequency,
  ManageEmailModel,
  RenderedDigest,
  RenderedEmail,
} from './models';
export { UnsafeUrlError } from './safe-url';

import { isFormRecord } from '../../http/form-drafts';
import type { EndpointFormErrors, EndpointFormField, PortalEndpoint, ReplayForm } from '../../pages/portal';

/**
 * What a portal form post with errors leaves for the page it redirects to (POST-redirect-GET,
 * through the encrypted cookie of src/http/form-drafts.ts): the input as typed and the errors in
 * words. Kept for one integrator and one page (`endpoint` is '' for the add form), so a draft is
 * shown only where it was made. Read back field by field: nothing else in it is trusted.
 */
export type PortalDraft =
  | { integrator: string; endpoint: string; kind: 'endpoint'; form: PortalEndpoint; errors: EndpointFormErrors }
  | { integrator: string; endpoint: string; kind: 'replay'; replay: ReplayForm };

const formFields: readonly EndpointFormField[] = ['url', 'description', 'types', 'countries', 'categories', 'signatures', 'rateLimit'];
const text = (value: unknown) => (typeof value === 'string' ? value : '');
const texts = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const optionalText = (value: unknown) => (typeof value === 'string' ? { value } : undefined);

function endpointFormOf(value: unknown, base: PortalEndpoint): PortalEndpoint | undefined {
  if (!isFormRecord(value)) return undefined;
  return {
    ...base,
    url: text(value.url),
    description: typeof value.description === 'string' ? value.description : null,
    types: texts(value.types),
    countries: texts(value.countries),
    categories: texts(value.categories),
    signatures: texts(value.signatures),
    rateLimit: text(value.rateLimit),
    enabled: value.enabled === true,
  };
}

function errorsOf(value: unknown): EndpointFormErrors {
  const errors: EndpointFormErrors = {};
  if (!isFormRecord(value)) return errors;
  for (const field of formFields) {
    const message = optionalText(value[field]);
    if (message) errors[field] = message.value;
  }
  return errors;
}

/**
 * The draft `kept` if it is this integrator's and this page's; `base` is the endpoint as stored
 * (what the form keeps of it: its id, its disabled reason).
 */
export function portalDraftOf(
  kept: unknown,
  where: { integrator: string; endpoint: string },
  base: PortalEndpoint,
): PortalDraft | undefined {
  if (!isFormRecord(kept) || kept.integrator !== where.integrator || kept.endpoint !== where.endpoint) return undefined;
  if (kept.kind === 'endpoint') {
    const form = endpointFormOf(kept.form, base);
    const errors = errorsOf(kept.errors);
    return form && Object.keys(errors).length > 0 ? { ...where, kind: 'endpoint', form, errors } : undefined;
  }
  if (kept.kind === 'replay' && isFormRecord(kept.replay)) {
    const replay: ReplayForm = { since: text(kept.replay.since), until: text(kept.replay.until) };
    const sinceError = optionalText(kept.replay.sinceError);
    const untilError = optionalText(kept.replay.untilError);
    if (!sinceError && !untilError) return undefined;
    return {
      ...where,
      kind: 'replay',
      replay: {
        ...replay,
        ...(sinceError ? { sinceError: sinceError.value } : {}),
        ...(untilError ? { untilError: untilError.value } : {}),
      },
    };
  }
  return undefined;
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Clock } from '../clock';
import { deriveKey } from '../email/derive-key';

/** How long a form's draft waits for the page the post was redirected to. */
const DRAFT_TTL_S = 15 * 60;
/** Browsers keep a cookie of 4 kB at most; a larger draft is not kept (the caller answers the post in place). */
const MAX_COOKIE_CHARS = 3_800;
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface SealedDraft {
  /** The id the redirect's URL carries: the page shows the draft only to the request it was made for. */
  i: string;
  /** Expiry, Unix seconds. */
  e: number;
  d: unknown;
}

/**
 * POST-redirect-GET for a form with errors: what the reader typed (their address included)
 * goes into a short-lived cookie, encrypted and authenticated (AES-256-GCM, key derived from
 * APP_SECRET), never into the URL; the redirect carries only a random id. The page it leads to
 * reads the draft back and shows the errors beside their fields, and a reload shows them again.
 */
export function createFormDrafts(secret: string, clock: Pick<Clock, 'now'>) {
  const key = deriveKey(secret, 'form-draft');
  const cookieName = (form: string) => `draft-${form}`;

  const seal = (form: string, draft: SealedDraft) => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(form));
    // A Buffer, not a string: workerd's node:crypto takes a string only with its encoding named.
    const body = Buffer.concat([cipher.update(Buffer.from(JSON.stringify(draft), 'utf8')), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  };
  const open = (form: string, sealed: string): SealedDraft | undefined => {
    try {
      const bytes = Buffer.from(sealed, 'base64url');
      if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES)).setAAD(Buffer.from(form));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const text = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
      return JSON.parse(text.toString('utf8')) as SealedDraft;
    } catch {
      return undefined; // not ours, altered, or for another form
    }
  };

  return {
    /** Keeps `data` for the page at `path`; answers the id the redirect carries, or undefined when the draft is too large for a cookie. */
    save(c: Context, form: string, path: string, data: unknown): string | undefined {
      const id = randomBytes(9).toString('base64url');
      const sealed = seal(form, { i: id, e: Math.floor(clock.now().getTime() / 1000) + DRAFT_TTL_S, d: data });
      if (sealed.length > MAX_COOKIE_CHARS) return undefined;
      setCookie(c, cookieName(form), sealed, {
        path,
        httpOnly: true,
        sameSite: 'Lax',
        secure: new URL(c.req.url).protocol === 'https:',
        maxAge: DRAFT_TTL_S,
      });
      return id;
    },

    /** The data kept under `id` for this form, if the request's cookie holds it and it has not expired. */
    read(c: Context, form: string, id: string | undefined): unknown {
      const sealed = id ? getCookie(c, cookieName(form)) : undefined;
      const draft = sealed ? open(form, sealed) : undefined;
      if (!draft || draft.i !== id || draft.e * 1000 <= clock.now().getTime()) return undefined;
      return draft.d;
    },

    /** The form went through: its draft is gone. */
    clear(c: Context, form: string, path: string): void {
      if (getCookie(c, cookieName(form)) !== undefined) deleteCookie(c, cookieName(form), { path });
    },
  };
}

export type FormDrafts = ReturnType<typeof createFormDrafts>;

/** A draft's data is what its form saved; callers still check its shape before reading it. */
export const isFormRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

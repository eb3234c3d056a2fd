/**
 * An address shown so its owner recognises it and a shoulder-surfer learns little:
 * the first character of the local part, then `***`, then the domain (`j***@example.org`).
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${[...email.slice(0, at)][0]}***${email.slice(at)}`;
}

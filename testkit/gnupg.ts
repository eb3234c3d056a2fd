/** GnuPG, the client a reader uses, in a throwaway home: keys made with `gpg --batch`, messages decrypted by it. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GnupgHome {
  home: string;
  gpg(args: string[], input?: string | Buffer): string;
  /** A new key for `uid` (`algo`: future-default, rsa3072, ed25519...; `usage` e.g. 'sign' for a key that cannot encrypt). */
  generate(
    uid: string,
    options?: { algo?: string; usage?: string; expire?: string; encryptionSubkey?: string },
  ): { fingerprint: string; publicKey: string };
  secretKey(fingerprint: string): string;
  /** The key with its revocation certificate (the one gpg wrote at generation) imported. */
  revoke(fingerprint: string): string;
  /** The armoured PGP message inside a PGP/MIME email, decrypted: the inner MIME message. */
  decryptEmail(eml: string): string;
  close(): void;
}

export function gnupgHome(): GnupgHome {
  const home = mkdtempSync(join(tmpdir(), 'tracker-gnupg-'));
  const gpg = (args: string[], input?: string | Buffer) =>
    execFileSync('gpg', ['--homedir', home, '--batch', '--yes', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    }).toString('utf8');
  const fingerprintOf = (uid: string) => {
    const lines = gpg(['--with-colons', '--fingerprint', '--list-keys', `=${uid}`]).split('\n');
    return lines.find((l) => l.startsWith('fpr:'))!.split(':')[9]!;
  };
  return {
    home,
    gpg,
    generate(uid, options = {}) {
      gpg(['--quick-gen-key', uid, options.algo ?? 'future-default', options.usage ?? 'default', options.expire ?? 'never']);
      const fingerprint = fingerprintOf(uid);
      if (options.encryptionSubkey) gpg(['--quick-add-key', fingerprint, options.encryptionSubkey, 'encr', 'never']);
      return { fingerprint, publicKey: gpg(['--armor', '--export', fingerprint]) };
    },
    secretKey: (fingerprint) => gpg(['--armor', '--export-secret-keys', fingerprint]),
    revoke(fingerprint) {
      const dir = join(home, 'openpgp-revocs.d');
      const file = readdirSync(dir).find((f) => f.startsWith(fingerprint))!;
      // gpg writes the certificate with a leading ':' so it is not imported by accident.
      gpg(['--import'], readFileSync(join(dir, file), 'utf8').replace(/^:-----BEGIN/m, '-----BEGIN'));
      return gpg(['--armor', '--export', fingerprint]);
    },
    decryptEmail(eml) {
      const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(eml)?.[0];
      if (!armored) throw new Error('no PGP message in this email');
      return gpg(['--decrypt'], armored);
    },
    close: () => rmSync(home, { recursive: true, force: true }),
  };
}

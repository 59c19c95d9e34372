import { AppError, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@holdfast/domain";
import { hash as argonHash, verify as argonVerify } from "@node-rs/argon2";
import { dictionary } from "@zxcvbn-ts/language-common";

/**
 * The breached-password list: zxcvbn's common passwords (about 49,000, taken
 * from public breach corpora), shipped in an npm package and read offline.
 * Compared without regard to case.
 */
const BREACHED = new Set(dictionary["passwords-common"].map((p) => p.toLowerCase()));

export function isBreachedPassword(password: string): boolean {
  return BREACHED.has(password.toLowerCase());
}

/**
 * The rules every new password meets, wherever it is chosen (a set-password
 * link, a password change, provisioning, the demo data): 12 to 200
 * characters, not on the breached-password list. A failure names `path`.
 */
export function checkNewPassword(password: string, path: string): void {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw AppError.badRequest([
      { path, rule: "too_small", message: `must be at least ${PASSWORD_MIN_LENGTH} characters` },
    ]);
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw AppError.badRequest([
      { path, rule: "too_big", message: `must be at most ${PASSWORD_MAX_LENGTH} characters` },
    ]);
  }
  if (isBreachedPassword(password)) {
    throw AppError.badRequest([
      {
        path,
        rule: "breached_password",
        message: "is on a list of passwords known from data breaches; choose another",
      },
    ]);
  }
}

export async function hashPassword(password: string): Promise<string> {
  return argonHash(password);
}

/** A hash no password matches in practice: verifying against it costs what a real check costs. */
const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$EOq/jdHuDdPkgXFiy8sY8w$vUK6SeDSyiB/v9yCRCOUzdG1R+NrF4sTc5ZROcjJ7to";

/**
 * Whether `password` matches `hash`. Without a hash (an unknown user, one
 * who has not set a password) it checks against a dummy hash, so the time
 * taken does not tell which emails exist.
 */
export async function verifyPassword(hash: string | null | undefined, password: string): Promise<boolean> {
  const ok = await argonVerify(hash ?? DUMMY_HASH, password).catch(() => false);
  return ok && hash != null;
}

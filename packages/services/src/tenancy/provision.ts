import { type Database, schema } from "@holdfast/db";
import { ALL_PERMISSIONS, AppError, isValidTimeZone } from "@holdfast/domain";
import { createUser } from "../access/access.ts";
import { checkNewPassword } from "../access/passwords.ts";
import { createApiToken } from "../access/token-store.ts";
import { recordAudit } from "../audit.ts";
import { type Clock, systemClock } from "../clock.ts";
import { type Actor, actorLabel } from "../context.ts";
import { newTenantLocator } from "../ids.ts";

/** One step: a tenant, an admin user for the dashboard, and an API token with every permission. */
export async function provisionTenant(
  db: Database,
  input: { name: string; timeZone?: string; email: string; password: string; userName?: string },
  opts: { clock?: Clock; actor?: Actor } = {},
) {
  const clock = opts.clock ?? systemClock;
  const actor = opts.actor ?? { type: "system", id: "provision", name: "provisioning command" };
  const timeZone = input.timeZone ?? "UTC";
  if (!isValidTimeZone(timeZone)) {
    throw AppError.badRequest([
      { path: "timeZone", rule: "iana_time_zone", message: `${timeZone} is not an IANA time zone` },
    ]);
  }
  checkNewPassword(input.password, "password");
  return db.transaction(async (tx) => {
    const tenantId = newTenantLocator();
    await tx.insert(schema.tenants).values({ id: tenantId, name: input.name, timeZone });
    const user = await createUser(tx, {
      email: input.email,
      name: input.userName ?? input.email,
      password: input.password,
      memberships: [{ tenantId, permissions: ALL_PERMISSIONS }],
      createdBy: actorLabel(actor),
      now: clock.now(),
    });
    const token = await createApiToken(tx, {
      name: `${input.name} admin token`,
      grants: [{ tenantId, permissions: ALL_PERMISSIONS }],
    });
    const ctx = { db, clock, actor };
    const audit = (entityType: string, entityId: string, after: unknown) =>
      recordAudit(tx, ctx, { tenantId, entityType, entityId, action: "create", before: null, after });
    await audit("tenant", tenantId, { name: input.name, timeZone });
    await audit("user", user.id, { email: input.email.toLowerCase(), permissions: ALL_PERMISSIONS });
    await audit("token", token.id, {
      name: `${input.name} admin token`,
      prefix: token.secret.slice(0, 10),
      permissions: ALL_PERMISSIONS,
    });
    return { tenantId, userId: user.id, token: token.secret, tokenId: token.id };
  });
}

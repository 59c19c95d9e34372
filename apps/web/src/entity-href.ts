/** The dashboard page of an audited entity, when it has one. */
export function entityHref(entityType: string, entityId: string): string | null {
  const id = encodeURIComponent(entityId);
  switch (entityType) {
    case "hold":
      return `/holds/${id}`;
    case "subscription":
      return `/subscriptions/${id}`;
    case "automation":
      return `/automations/${id}`;
    case "account":
      return `/accounts/${id}`;
    case "tenant":
      return "/settings/tenant";
    case "user":
      return "/settings/users";
    case "token":
      return "/settings/tokens";
    default:
      return null;
  }
}

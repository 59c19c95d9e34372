import { Link, useLocation } from "wouter";
import { useCan } from "../session.tsx";

const ADMIN_TABS = [
  ["/settings/tenant", "Tenant"],
  ["/settings/users", "Users"],
  ["/settings/tokens", "API tokens"],
  ["/settings/directory", "Directory"],
  ["/settings/webhooks", "Webhooks"],
] as const;

/** The Settings area's own navigation: the admin screens for admins, "My sessions" for everyone. */
export function SettingsTabs() {
  const isAdmin = useCan("admin");
  const [location] = useLocation();
  const tabs = [...(isAdmin ? ADMIN_TABS : []), ["/settings/sessions", "My sessions"] as const];
  return (
    <nav aria-label="Settings">
      <ul className="view-tabs">
        {tabs.map(([href, label]) => (
          <li key={href}>
            <Link href={href} aria-current={location === href ? "page" : undefined}>
              {label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

import { lazy, Suspense, useState } from "react";
import { Link, Redirect, Route, Switch, useLocation } from "wouter";
import { GlobalSearch } from "./components/global-search.tsx";
import { HoldDetail } from "./screens/hold-detail.tsx";
import { HoldsList } from "./screens/holds-list.tsx";
import { NotFound } from "./screens/not-found.tsx";
import { useCan, useSession } from "./session.tsx";
import { useTenantZone } from "./tenant-zone.tsx";

// The forms carry zod, react-hook-form and the domain's rules: loaded when first opened.
const CreateHold = lazy(() => import("./screens/hold-editor.tsx").then((m) => ({ default: m.CreateHold })));
const EditHold = lazy(() => import("./screens/hold-editor.tsx").then((m) => ({ default: m.EditHold })));
const AmendHold = lazy(() => import("./screens/amend-hold.tsx").then((m) => ({ default: m.AmendHold })));
// Billing automations: loaded when first opened, so the holds screens load no more than before.
const AutomationsList = lazy(() =>
  import("./screens/automations-list.tsx").then((m) => ({ default: m.AutomationsList })),
);
const CreateAutomation = lazy(() =>
  import("./screens/automation-editor.tsx").then((m) => ({ default: m.CreateAutomation })),
);
const EditAutomation = lazy(() =>
  import("./screens/automation-editor.tsx").then((m) => ({ default: m.EditAutomation })),
);
const RoutePreview = lazy(() => import("./screens/route-preview.tsx").then((m) => ({ default: m.RoutePreview })));
// Subscriptions and the worker: loaded when first opened, like the automations.
const SubscriptionsList = lazy(() =>
  import("./screens/subscriptions-list.tsx").then((m) => ({ default: m.SubscriptionsList })),
);
const CreateSubscription = lazy(() =>
  import("./screens/subscription-editor.tsx").then((m) => ({ default: m.CreateSubscription })),
);
const SubscriptionDetail = lazy(() =>
  import("./screens/subscription-detail.tsx").then((m) => ({ default: m.SubscriptionDetail })),
);
const WorkerStatus = lazy(() => import("./screens/worker-status.tsx").then((m) => ({ default: m.WorkerStatus })));
// Settings: loaded when first opened, like the others.
const TenantSettings = lazy(() => import("./screens/settings-tenant.tsx").then((m) => ({ default: m.TenantSettings })));
const UsersSettings = lazy(() => import("./screens/settings-users.tsx").then((m) => ({ default: m.UsersSettings })));
const TokensSettings = lazy(() => import("./screens/settings-tokens.tsx").then((m) => ({ default: m.TokensSettings })));
const WebhooksSettings = lazy(() =>
  import("./screens/settings-webhooks.tsx").then((m) => ({ default: m.WebhooksSettings })),
);
const DirectorySettings = lazy(() =>
  import("./screens/settings-directory.tsx").then((m) => ({ default: m.DirectorySettings })),
);
const SessionsSettings = lazy(() =>
  import("./screens/settings-sessions.tsx").then((m) => ({ default: m.SessionsSettings })),
);
// Accounts: loaded when first opened, like the others.
const AccountsList = lazy(() => import("./screens/accounts-list.tsx").then((m) => ({ default: m.AccountsList })));
const AccountPage = lazy(() => import("./screens/account-page.tsx").then((m) => ({ default: m.AccountPage })));
// The overview and the audit log: loaded when first opened (their charts later still, with recharts).
const OverviewScreen = lazy(() => import("./screens/overview.tsx").then((m) => ({ default: m.OverviewScreen })));
const AuditLog = lazy(() => import("./screens/audit-log.tsx").then((m) => ({ default: m.AuditLog })));

export function App() {
  const isAdmin = useCan("admin");
  // Read so that a new zone renders every screen again: their instants are formatted in it.
  useTenantZone();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <main className="page" id="main" tabIndex={-1}>
        <Suspense fallback={<p className="page-status">Loading…</p>}>
          <Switch>
            <Route path="/" component={OverviewScreen} />
            <Route path="/holds" component={HoldsList} />
            <Route path="/holds/new" component={CreateHold} />
            <Route path="/holds/:locator/edit">{(p) => <EditHold locator={p.locator} />}</Route>
            <Route path="/holds/:locator/amend">{(p) => <AmendHold locator={p.locator} />}</Route>
            <Route path="/holds/:locator">{(p) => <HoldDetail locator={p.locator} />}</Route>
            <Route path="/automations" component={AutomationsList} />
            <Route path="/automations/new" component={CreateAutomation} />
            <Route path="/automations/preview" component={RoutePreview} />
            <Route path="/automations/:id">{(p) => <EditAutomation key={p.id} id={p.id} />}</Route>
            <Route path="/subscriptions" component={SubscriptionsList} />
            <Route path="/subscriptions/new" component={CreateSubscription} />
            <Route path="/subscriptions/:locator">
              {(p) => <SubscriptionDetail key={p.locator} locator={p.locator} />}
            </Route>
            <Route path="/worker" component={WorkerStatus} />
            <Route path="/accounts" component={AccountsList} />
            <Route path="/accounts/:account">{(p) => <AccountPage key={p.account} account={p.account} />}</Route>
            <Route path="/audit" component={AuditLog} />
            <Route path="/settings">
              <Redirect to={isAdmin ? "/settings/tenant" : "/settings/sessions"} replace />
            </Route>
            <Route path="/settings/sessions" component={SessionsSettings} />
            {isAdmin && <Route path="/settings/tenant" component={TenantSettings} />}
            {isAdmin && <Route path="/settings/users" component={UsersSettings} />}
            {isAdmin && <Route path="/settings/tokens" component={TokensSettings} />}
            {isAdmin && <Route path="/settings/directory" component={DirectorySettings} />}
            {isAdmin && <Route path="/settings/webhooks" component={WebhooksSettings} />}
            <Route component={NotFound} />
          </Switch>
        </Suspense>
      </main>
    </>
  );
}

function Header() {
  const session = useSession();
  const canWrite = useCan("holds:write");
  const canReadAutomations = useCan("automations:read");
  const canReadSubscriptions = useCan("subscriptions:read");
  const isAdmin = useCan("admin");
  const canListAccounts = useCan("holds:list");
  const zone = useTenantZone();
  const [location, navigate] = useLocation();
  // Below 720 px the navigation and the user's controls fold into a menu, open only on the page it was opened
  // on: following a link folds it again.
  const [menuOpenOn, setMenuOpenOn] = useState<string | null>(null);
  const menuOpen = menuOpenOn === location;
  return (
    <header className="top-bar">
      <Link href="/holds" className="brand">
        Holdfast
      </Link>
      <button
        type="button"
        className="menu-button"
        aria-expanded={menuOpen}
        aria-controls="top-menu"
        onClick={() => setMenuOpenOn(menuOpen ? null : location)}
      >
        Menu
      </button>
      <div id="top-menu" className={menuOpen ? "top-menu open" : "top-menu"}>
        <nav aria-label="Main">
          <Link href="/">Overview</Link>
          <Link href="/holds">Holds</Link>
          {canWrite && <Link href="/holds/new">New hold</Link>}
          {canReadAutomations && <Link href="/automations">Automations</Link>}
          {canReadAutomations && <Link href="/automations/preview">Routing preview</Link>}
          {canReadSubscriptions && <Link href="/subscriptions">Subscriptions</Link>}
          {/* worker.status answers any member of the tenant: every signed-in user sees the worker. */}
          <Link href="/worker">Worker</Link>
          {canListAccounts && <Link href="/accounts">Accounts</Link>}
          {/* audit.list answers any member, with the entity types they may read. */}
          <Link href="/audit">Audit log</Link>
          {isAdmin && <Link href="/settings">Settings</Link>}
        </nav>
        <GlobalSearch />
        <div className="who">
          {session.tenants.length > 1 ? (
            <label className="tenant-switcher">
              <span>Tenant</span>
              <select
                value={session.tenant.tenantLocator}
                onChange={(e) => {
                  session.switchTenant(e.target.value);
                  navigate("/holds");
                }}
                data-testid="tenant-switcher"
              >
                {session.tenants.map((t) => (
                  <option key={t.tenantLocator} value={t.tenantLocator}>
                    {t.name}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <span className="tenant-name" data-testid="tenant-name">
              {session.tenant.name}
            </span>
          )}
          <span className="tenant-zone" data-testid="tenant-zone">
            Dates in {zone}
          </span>
          <Link href="/settings/sessions" className="user-name" title="My sessions">
            {session.actorName}
          </Link>
          <button type="button" onClick={session.signOut} disabled={session.signingOut}>
            Sign out
          </button>
        </div>
      </div>
    </header>
  );
}

import { useEffect, useState } from "react";
import { AlertsPage } from "./alerts-page";
import { AuditPage } from "./audit-page";
import { KeyPage } from "./key-page";
import { KeysPage } from "./keys-page";
import { MembersPage } from "./members-page";
import { PolicyPage } from "./policy-page";
import { useSession } from "./session";
import { TrustedOperationsPage } from "./trusted-operations-page";

/** Hash routes, so the server serves one page: #/keys, #/keys/<id>, #/alerts, #/audit, #/trusted-operations, #/policy, #/members. */
const read = () => location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);

function useRoute(): string[] {
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}

export function Shell({ reconnecting, onSignOut }: { reconnecting: boolean; onSignOut: () => void }) {
  const { member, workspaceName } = useSession();
  const [section = "keys", id] = useRoute();
  const links: [string, string][] = [
    ["keys", "API keys"],
    ["alerts", "Alerts"],
    ["audit", "Audit log"],
    ["trusted-operations", "Trusted operations"],
    ["policy", "Policy"],
    ...(member.role === "ADMIN" ? ([["members", "Members"]] as [string, string][]) : []),
  ];
  return (
    <div className="shell">
      <header className="top">
        <span className="brand">grantql</span>
        <nav aria-label="Console">
          {links.map(([path, label]) => (
            <a key={path} href={`#/${path}`} aria-current={section === path ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span className="who">
          {member.email} · {member.role} · {workspaceName}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <div role="status" className={reconnecting ? "reconnecting" : "connection-ok"}>
        {reconnecting ? "Reconnecting…" : ""}
      </div>
      <main>{page(section, id, member.role)}</main>
    </div>
  );
}

function page(section: string, id: string | undefined, role: string) {
  if (section === "keys" && id) return <KeyPage id={id} />;
  if (section === "alerts") return <AlertsPage />;
  if (section === "audit") return <AuditPage />;
  if (section === "trusted-operations") return <TrustedOperationsPage />;
  if (section === "policy") return <PolicyPage />;
  if (section === "members" && role === "ADMIN") return <MembersPage />;
  return <KeysPage />;
}

import { FormEvent, useState } from "react";
import { DialogButtons, Failure, useSubmit } from "./dialog-form";
import { useSession } from "./session";
import { Dialog, EmptyState, FieldMessage, fieldAria, formatDate, messageFor, PagedList } from "./ui";
import { Connection, usePages } from "./use-pages";

interface MemberRow {
  id: string;
  email: string;
  role: string;
  createdAt: string;
}

const MEMBERS = `query ConsoleMembers($after: String) { members(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id email role createdAt } } }`;
const CREATE = `mutation ConsoleCreateMember($input: CreateMemberInput!) { createMember(input: $input) { id } }`;

/** The workspace's members (ADMIN only), and adding one with a role. */
export function MembersPage() {
  const { call } = useSession();
  const pages = usePages((after) => call<{ members: Connection<MemberRow> }>(MEMBERS, { after }).then((d) => d.members), []);
  const [adding, setAdding] = useState(false);
  return (
    <>
      <div className="page-head">
        <h1>Members</h1>
        <button type="button" className="primary" onClick={() => setAdding(true)}>
          Add member
        </button>
      </div>
      <p className="lede">ADMIN members manage keys and members; SECURITY members watch usage, read the audit log and revoke keys.</p>
      <section className="card" aria-label="Members">
        <PagedList pages={pages} what="members" empty={<EmptyState title="No members." />}>
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Added</th>
              </tr>
            </thead>
            <tbody>
              {pages.items.map((m) => (
                <tr key={m.id}>
                  <td>{m.email}</td>
                  <td>{m.role}</td>
                  <td>{formatDate(m.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </PagedList>
      </section>
      {adding && (
        <AddMemberDialog
          onClose={() => setAdding(false)}
          onAdded={() => {
            pages.reload();
            setAdding(false);
          }}
        />
      )}
    </>
  );
}

function AddMemberDialog({ onClose, onAdded }: { onClose: () => void; onAdded: () => void }) {
  const { call } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState("SECURITY");
  // The button stays enabled while adding, as it always has: `busy` is not passed on.
  const { errors, failure, run } = useSubmit();
  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      await call(CREATE, { input: { email, password, role } });
      onAdded();
    });
  }
  const emailError = messageFor(errors, "input.email");
  const passwordError = messageFor(errors, "input.password");
  return (
    <Dialog title="Add a member" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <label htmlFor="member-email">Email</label>
        <input {...fieldAria("member-email", emailError)} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        <FieldMessage id="member-email-error" label="Email" message={emailError} />
        <label htmlFor="member-password">Password</label>
        <input
          {...fieldAria("member-password", passwordError)}
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <FieldMessage id="member-password-error" label="Password" message={passwordError} />
        <label htmlFor="member-role">Role</label>
        <select id="member-role" value={role} onChange={(e) => setRole(e.target.value)}>
          <option value="SECURITY">SECURITY — watches usage, revokes keys</option>
          <option value="ADMIN">ADMIN — manages keys and members</option>
        </select>
        <Failure message={failure} />
        <DialogButtons onClose={onClose} label="Create member" />
      </form>
    </Dialog>
  );
}

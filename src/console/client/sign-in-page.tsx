import { FormEvent, useState } from "react";
import { ApiError, request } from "./api";
import type { Member } from "./session";

const SIGN_IN = `mutation ConsoleSignIn($email: String!, $password: String!) {
  signIn(email: $email, password: $password) { token member { id email role } workspace { name } }
}`;

/** Email and password; a notice says why the form is back (expired session, signed out). */
export function SignInPage({
  notice,
  onSignedIn,
}: {
  notice: string | null;
  onSignedIn: (token: string, member: Member, workspaceName: string) => void;
}) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { signIn } = await request<{ signIn: { token: string; member: Member; workspace: { name: string } } }>(SIGN_IN, {
        email,
        password,
      });
      onSignedIn(signIn.token, signIn.member, signIn.workspace.name);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : "Sign-in failed.");
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>grantql key console</h1>
      <p className="lede">Sign in as a workspace ADMIN or SECURITY member.</p>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={submit} aria-describedby={error ? "sign-in-error" : undefined}>
        <label htmlFor="sign-in-email">Email</label>
        <input id="sign-in-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="sign-in-password">Password</label>
        <input
          id="sign-in-password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error && (
          <p id="sign-in-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

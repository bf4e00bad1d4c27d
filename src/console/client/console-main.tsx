import "uplot/dist/uPlot.min.css";
import "./console.css";
import { createRoot } from "react-dom/client";
import { useCallback, useEffect, useMemo, useState } from "react";
import type { Client } from "graphql-ws";
import { createLiveClient, request, SessionExpiredError } from "./api";
import { Member, SessionContext, SessionValue, tokenStore } from "./session";
import { SignInPage } from "./sign-in-page";
import { Shell } from "./shell";
import { ErrorState } from "./ui";

const VIEWER = `query ConsoleViewer { viewer { member { id email role } workspace { name } } }`;

interface Signed {
  token: string;
  member: Member;
  workspaceName: string;
}

/** Signed in (the shell and its pages) or not (the sign-in form, with why when a session ended). */
function App() {
  const [signed, setSigned] = useState<Signed | null>(null);
  const [restoring, setRestoring] = useState(() => tokenStore.read() !== null);
  const [notice, setNotice] = useState<string | null>(null);
  const [restoreError, setRestoreError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  const end = useCallback((message: string | null) => {
    tokenStore.clear();
    setSigned(null);
    setNotice(message);
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt is the retry trigger (onRetry bumps it) and is not read inside.
  useEffect(() => {
    const token = tokenStore.read();
    if (!token) return;
    request<{ viewer: { member: Member | null; workspace: { name: string } } }>(VIEWER, {}, token).then(
      ({ viewer }) => {
        if (viewer.member) setSigned({ token, member: viewer.member, workspaceName: viewer.workspace.name });
        else end(null);
        setRestoring(false);
      },
      (error) => {
        // Only a refused session signs out; an unreachable server keeps it for another try.
        if (error instanceof SessionExpiredError) {
          end("Your session has expired. Sign in again.");
          setRestoring(false);
        } else setRestoreError(error.message);
      },
    );
  }, [end, attempt]);

  if (restoreError)
    return (
      <ErrorState
        message={restoreError}
        onRetry={() => {
          setRestoreError(null);
          setAttempt((n) => n + 1);
        }}
      />
    );
  if (restoring) return <p className="page-loading">Loading the console…</p>;
  if (!signed) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(token, member, workspaceName) => {
          tokenStore.write(token);
          setNotice(null);
          setSigned({ token, member, workspaceName });
        }}
      />
    );
  }
  return <SignedIn signed={signed} onEnd={end} />;
}

function SignedIn({ signed, onEnd }: { signed: Signed; onEnd: (message: string | null) => void }) {
  const [live, setLive] = useState<Client | null>(null);
  const [generation, setGeneration] = useState(0);
  const [down, setDown] = useState(false);
  const expired = useCallback(() => onEnd("Your session has expired. Sign in again."), [onEnd]);

  useEffect(() => {
    const client = createLiveClient(signed.token, {
      connected: (n) => {
        setGeneration(n);
        setDown(false);
      },
      lost: () => setDown(true),
      refused: expired,
    });
    setLive(client);
    return () => void client.dispose();
  }, [signed.token, expired]);

  const call = useCallback(
    async <T,>(query: string, variables?: Record<string, unknown>): Promise<T> => {
      try {
        return await request<T>(query, variables, signed.token);
      } catch (error) {
        if (error instanceof SessionExpiredError) expired();
        throw error;
      }
    },
    [signed.token, expired],
  );

  const value = useMemo<SessionValue | null>(
    () => (live ? { member: signed.member, workspaceName: signed.workspaceName, call, live, liveGeneration: generation } : null),
    [live, signed, call, generation],
  );
  if (!value) return <p className="page-loading">Loading the console…</p>;
  return (
    <SessionContext.Provider value={value}>
      <Shell
        reconnecting={down}
        onSignOut={async () => {
          await call("mutation ConsoleSignOut { signOut }").catch(() => undefined);
          onEnd("You are signed out.");
        }}
      />
    </SessionContext.Provider>
  );
}

createRoot(document.getElementById("console")!).render(<App />);

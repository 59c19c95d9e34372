import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { usePageTitle } from "../page-title.ts";
import { sessionStore } from "../session-store.ts";
import { useTRPC } from "../trpc.ts";

export function SignIn() {
  usePageTitle("Sign in");
  const trpc = useTRPC();
  const id = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: () => sessionStore.changed(),
    }),
  );

  function submit(e: FormEvent) {
    e.preventDefault();
    signIn.mutate({ email: email.trim(), password, cookie: true });
  }

  return (
    <main className="sign-in">
      <form onSubmit={submit} className="card" aria-labelledby={`${id}-title`} noValidate>
        <h1 id={`${id}-title`}>Sign in to Holdfast</h1>
        {signIn.error && (
          <p role="alert" className="alert" data-testid="sign-in-error">
            {signIn.error.data?.code === "UNAUTHORIZED" ? "The email or password is wrong." : signIn.error.message}
          </p>
        )}
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <button type="submit" className="primary" disabled={signIn.isPending || !email || !password}>
          {signIn.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { Field } from "../components/field.tsx";
import { setPasswordForm } from "../forms/access-forms.ts";
import { ServerIssues } from "../forms/server-issues.tsx";
import { useZodForm } from "../forms/use-zod-form.ts";
import { usePageTitle } from "../page-title.ts";
import { useTRPC } from "../trpc.ts";

/**
 * Where a set-password link leads (`/set-password#<secret>`), without a
 * session: the new user chooses a password, then signs in. The secret is in
 * the fragment, which the browser never sends to a server.
 */
export function SetPassword() {
  usePageTitle("Choose your password");
  const trpc = useTRPC();
  const [token] = useState(() => window.location.hash.slice(1));
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useZodForm(setPasswordForm, { defaultValues: { password: "", confirm: "" } });
  const set = useMutation(trpc.auth.setPassword.mutationOptions());

  return (
    <main className="sign-in">
      {set.data ? (
        <div className="card">
          <h1>Password set</h1>
          <p role="status" data-testid="password-set">
            You can now sign in as {set.data.email}.
          </p>
          <Link href="/" className="button primary">
            Sign in
          </Link>
        </div>
      ) : (
        <form
          className="card"
          aria-labelledby="set-password-title"
          noValidate
          onSubmit={handleSubmit(({ password }) => set.mutate({ token, password }))}
        >
          <h1 id="set-password-title">Choose your password</h1>
          {!token && (
            <p role="alert" className="alert">
              This page needs the whole link you were given, including the part after “#”.
            </p>
          )}
          <ServerIssues error={set.error} slotFor={(name) => (name === "password" ? "password" : null)}>
            <Field name="password" label="New password" errors={errors} hint="At least 12 characters.">
              {(a11y) => <input type="password" autoComplete="new-password" {...a11y} {...register("password")} />}
            </Field>
            <Field name="confirm" label="The same password again" errors={errors}>
              {(a11y) => <input type="password" autoComplete="new-password" {...a11y} {...register("confirm")} />}
            </Field>
            <button type="submit" className="primary" disabled={set.isPending || !token}>
              {set.isPending ? "Saving…" : "Set password"}
            </button>
          </ServerIssues>
        </form>
      )}
    </main>
  );
}

import { Link } from "wouter";
import { usePageTitle } from "../page-title.ts";

export function NotFound() {
  usePageTitle("Page not found");
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <Link href="/holds">Go to the holds</Link>
      </p>
    </>
  );
}

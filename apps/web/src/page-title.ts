import { useEffect } from "react";

export const APP_NAME = "Holdfast";

/** `Hold …01H2ABCD · Holdfast`: the page's own name first, as browsers' tabs and history show it. */
export function pageTitle(name: string | null | undefined): string {
  return name ? `${name} · ${APP_NAME}` : APP_NAME;
}

/** Sets the document's title while the screen is shown (each screen names itself). */
export function usePageTitle(name: string | null | undefined): void {
  useEffect(() => {
    document.title = pageTitle(name);
  }, [name]);
}

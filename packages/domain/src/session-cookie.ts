/**
 * The dashboard's session travels in an HttpOnly cookie; every state-changing
 * call it authenticates must also carry the anti-CSRF header, which a
 * cross-site form or image cannot send. The server and the dashboard share
 * these names.
 */
export const SESSION_COOKIE = "holdfast_session";
export const CSRF_HEADER = "x-holdfast-csrf";

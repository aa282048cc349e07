import { MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS } from "../protocol/limits";
import type { RoomConfig } from "../config";
import { html } from "./html";
import { htmlResponse, layout } from "./pages";

/** The page where a signed-in user of a private room changes their password. */
export function passwordPage(
  room: RoomConfig,
  user: string,
  message: { error?: string; done?: boolean } = {},
  status = 200,
  headers: Record<string, string> = {},
): Response {
  const body = html`<main class="password-page">
<p class="breadcrumbs"><a href="/${room.name}/">${room.title}</a> &gt; Password</p>
<h1>Change your password</h1>
<p>Signed in as <strong class="user">${user}</strong>.</p>
${message.error ? html`<p class="post-error" role="alert">${message.error}</p>` : null}
${message.done ? html`<p class="notice" role="status">Your password is changed. Your browser will ask you to sign in again with it.</p>` : null}
<form method="post" action="password" class="password-form">
<p><label for="current">Current password</label><br><input type="password" id="current" name="current" autocomplete="current-password" required></p>
<p><label for="next">New password</label><br><input type="password" id="next" name="next" autocomplete="new-password" minlength="${MIN_PASSWORD_CHARS}" maxlength="${MAX_PASSWORD_CHARS}" required></p>
<p><label for="confirm">New password again</label><br><input type="password" id="confirm" name="confirm" autocomplete="new-password" minlength="${MIN_PASSWORD_CHARS}" maxlength="${MAX_PASSWORD_CHARS}" required></p>
<p><button type="submit">Change password</button></p>
</form>
</main>`;
  return htmlResponse(layout(`${room.title} > Password`, body), status, { "Cache-Control": "no-store", ...headers });
}

/**
 * Dark mode, inlined in the head of every page so the scheme is set before the
 * first paint. With no choice stored, the page follows prefers-color-scheme
 * (chaton.css); the switch (.theme-switch) stores a choice in localStorage as
 * data-theme on <html>. A choice equal to the system's is forgotten, so that
 * toggling back returns the page to following the system.
 */
const KEY = "chaton.theme";
const root = document.documentElement;
const systemDark = matchMedia("(prefers-color-scheme: dark)");
let choice: string | null = null;
try {
  choice = localStorage.getItem(KEY);
} catch {
  // Storage disabled: the choice lasts as long as the page.
}

function apply(): void {
  if (choice === "dark" || choice === "light") root.dataset["theme"] = choice;
  else delete root.dataset["theme"];
  const dark = String(choice === null ? systemDark.matches : choice === "dark");
  for (const button of document.querySelectorAll(".theme-switch")) button.setAttribute("aria-pressed", dark);
}

apply();
systemDark.addEventListener("change", apply);
document.addEventListener("DOMContentLoaded", apply);
// Another tab of the site changed it.
addEventListener("storage", (event) => {
  if (event.key !== KEY) return;
  choice = event.newValue;
  apply();
});
document.addEventListener("click", (event) => {
  const button = (event.target as Element).closest?.(".theme-switch");
  if (!button) return;
  const dark = button.getAttribute("aria-pressed") !== "true";
  choice = dark === systemDark.matches ? null : dark ? "dark" : "light";
  try {
    if (choice === null) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {}
  apply();
});

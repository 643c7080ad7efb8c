// Bringing a broken field into view: a phone's screen shows a few fields at a time, and a
// refusal the worker cannot see is no help.
import { tick } from 'svelte';

/** Scrolls the field at `path` (an input named so, a choice group, or its message) to the
 * middle of the screen and puts the cursor in it when it takes one. */
export async function revealField(path: string | undefined) {
  if (!path) return;
  await tick();
  const quoted = CSS.escape(path);
  const field =
    document.querySelector<HTMLElement>(`[name="${quoted}"]`) ??
    document.querySelector<HTMLElement>(`[data-field="${quoted}"]`) ??
    document.querySelector<HTMLElement>(`[data-error-for="${quoted}"]`);
  if (!field) return;
  field.scrollIntoView({ block: 'center' });
  if (field instanceof HTMLInputElement || field instanceof HTMLSelectElement || field instanceof HTMLTextAreaElement) {
    field.focus({ preventScroll: true });
  }
}

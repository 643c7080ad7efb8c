// The UI's one way to reach the app: Tauri's `invoke` inside the app, the loopback HTTP
// bridge (`daakhla-app-http`) in a plain browser. Both run the same daakhla-app commands,
// typed by the generated `Commands` map.
import type { AppError, Commands } from './generated/bindings';

declare global {
  interface Window {
    __TAURI_INTERNALS__?: unknown;
  }
}

export const insideTauri = typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;

/**
 * The bridge runs a command only with the secret it made at its start, which it writes into
 * the `index.html` it serves: another site's page can neither read it nor send the header
 * without a CORS preflight the bridge never grants.
 */
function bridgeSecret(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="daakhla-secret"]')?.content ?? '';
}

export class CommandError extends Error {
  constructor(public readonly error: AppError) {
    super(error.en);
  }
}

export async function call<K extends keyof Commands>(
  name: K,
  request: Commands[K]['request'],
): Promise<Commands[K]['response']> {
  if (insideTauri) {
    const { invoke } = await import('@tauri-apps/api/core');
    try {
      return await invoke(name, { request });
    } catch (error) {
      throw new CommandError(error as AppError);
    }
  }
  const response = await fetch(`/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-daakhla-secret': bridgeSecret() },
    body: JSON.stringify(request),
  });
  const body = await response.json();
  if (!response.ok) throw new CommandError(body as AppError);
  return body;
}

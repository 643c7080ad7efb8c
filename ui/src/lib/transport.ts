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
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body = await response.json();
  if (!response.ok) throw new CommandError(body as AppError);
  return body;
}

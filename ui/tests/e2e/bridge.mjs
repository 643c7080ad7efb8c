// Starts `daakhla-app-http` on a store file and the built UI, on a free loopback port.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { homedir } from 'node:os';

const ui = new URL('../../', import.meta.url).pathname;
const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/daakhla/target');
const binary = process.env.DAAKHLA_APP_HTTP ?? join(target, 'debug/daakhla-app-http');

// The app's stores are encrypted: every bridge, and every `daakhla` a test runs on the same
// store (they inherit this process's environment), opens them with this key.
process.env.DAAKHLA_STORE_KEY ??= 'e2e0'.repeat(16);

export function startBridge(store) {
  const child = spawn(binary, ['--store', store, '--ui', join(ui, 'dist'), '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${binary} did not start`)), 20000);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${binary} exited with ${code}`)));
    child.stdout.on('data', async (chunk) => {
      const found = String(chunk).match(/listening on (http:\/\/\S+)/);
      if (found) {
        clearTimeout(timer);
        const url = found[1];
        try {
          const secret = await pageSecret(url);
          const api = (command, request) => call(url, secret, command, request);
          resolve({ url, secret, stop: () => child.kill(), api });
        } catch (error) {
          child.kill();
          reject(error);
        }
      }
    });
  });
}

/** The secret the bridge made at its start, from its `index.html` as the browser gets it. */
async function pageSecret(url) {
  const page = await (await fetch(url)).text();
  const found = page.match(/<meta name="daakhla-secret" content="([0-9a-f]+)"/);
  if (!found) throw new Error(`${url} served no secret: is the UI built?`);
  return found[1];
}

/** Runs a command over the bridge as the app's page does; a refusal fails the test with the app's answer. */
async function call(url, secret, command, request) {
  const response = await fetch(`${url}/api/${command}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-daakhla-secret': secret },
    body: JSON.stringify(request),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${command}: ${JSON.stringify(body)}`);
  return body;
}

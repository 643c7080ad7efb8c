// Starts `daakhla-app-http` on a store file and the built UI, on a free loopback port.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { homedir } from 'node:os';

const ui = new URL('../../', import.meta.url).pathname;
const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/daakhla/target');
const binary = process.env.DAAKHLA_APP_HTTP ?? join(target, 'debug/daakhla-app-http');

export function startBridge(store) {
  const child = spawn(binary, ['--store', store, '--ui', join(ui, 'dist'), '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${binary} did not start`)), 20000);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${binary} exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      const found = String(chunk).match(/listening on (http:\/\/\S+)/);
      if (found) {
        clearTimeout(timer);
        const url = found[1];
        resolve({ url, stop: () => child.kill(), api: (command, request) => call(url, command, request) });
      }
    });
  });
}

/** Runs a command over the bridge; a refusal fails the test with the app's answer. */
async function call(url, command, request) {
  const response = await fetch(`${url}/api/${command}`, { method: 'POST', body: JSON.stringify(request) });
  const body = await response.json();
  if (!response.ok) throw new Error(`${command}: ${JSON.stringify(body)}`);
  return body;
}

// Starts a real `daakhla-server` on a fresh SQLite data directory, on a free loopback port, and
// makes enrolment codes with its own command line.
import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { homedir } from 'node:os';

const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/daakhla/target');
export const serverBinary = process.env.DAAKHLA_SERVER ?? join(target, 'debug/daakhla-server');
/** The field command line (`daakhla`), for what a phone does without the app (sync packs). */
export const fieldBinary = join(target, 'debug/daakhla');

/** `listen` fixes the address (to start the same server again where phones know it);
 * `dashboard`, the built UI, serves the supervisors' dashboard too. */
export function startServer(data, listen = '127.0.0.1:0', { dashboard } = {}) {
  const serve = ['--data', data, 'serve', '--listen', listen, ...(dashboard ? ['--dashboard', dashboard] : [])];
  const child = spawn(serverBinary, serve, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${serverBinary} did not start`)), 20000);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${serverBinary} exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      const found = String(chunk).match(/listening on (http:\/\/\S+)/);
      if (!found) return;
      clearTimeout(timer);
      const url = found[1];
      /** A one-time code for `user` in `uc`, with the link its QR code carries. */
      const enrolment = (user, uc, role = 'resource-person') =>
        JSON.parse(
          execFileSync(serverBinary, ['--data', data, 'enrolment', 'add', '--user', user,
            '--role', role, '--scope', uc, '--server', url], { encoding: 'utf8' }),
        );
      // Stopping resolves once the server is gone, so it can start again on its address.
      const stop = () =>
        new Promise((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill();
        });
      resolve({ url, enrolment, stop });
    });
  });
}

// Just enough of the W3C WebDriver protocol to drive the real app through tauri-driver
// (which hands the session to WebKitWebDriver): find, click, type, read, run a script.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

async function request(base, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${JSON.stringify(answer.value)}`);
  return answer.value;
}

/** A loopback port nothing listens on now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts tauri-driver on `port` (and WebKitWebDriver on `nativePort`), and waits until it
 * answers. Free ports, not the default 4444/4445: another run may use those on this machine.
 */
export async function startDriver(port, nativePort, env) {
  const args = ['--port', String(port), '--native-port', String(nativePort)];
  const driver = spawn('tauri-driver', args, { stdio: 'inherit', env });
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      await request(`http://127.0.0.1:${port}`, 'GET', '/status');
      return driver;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export class Session {
  static async start(port, application) {
    const base = `http://127.0.0.1:${port}`;
    const value = await request(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application } } },
    });
    return new Session(base, value.sessionId);
  }

  constructor(base, id) {
    this.base = base;
    this.path = `/session/${id}`;
  }

  call(method, path, body) {
    return request(this.base, method, this.path + path, body);
  }

  /** The first element matching `css`, waiting up to 15 s for it. */
  async find(css) {
    const deadline = Date.now() + 15000;
    for (;;) {
      try {
        const found = await this.call('POST', '/element', { using: 'css selector', value: css });
        return found[ELEMENT];
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async click(css) {
    try {
      const element = await this.find(css);
      // As a person scrolls a button clear of the bars fixed at the top and bottom first.
      await this.script('arguments[0].scrollIntoView({ block: "center" })', { [ELEMENT]: element });
      await this.call('POST', `/element/${element}/click`, {});
    } catch (error) {
      throw new Error(`clicking ${css}: ${error.message}`);
    }
  }

  /** The window as a PNG. */
  async screenshot() {
    return Buffer.from(await this.call('GET', '/screenshot'), 'base64');
  }

  async type(css, text) {
    await this.call('POST', `/element/${await this.find(css)}/value`, { text });
  }

  async text(css) {
    return this.call('GET', `/element/${await this.find(css)}/text`);
  }

  script(source, ...args) {
    return this.call('POST', '/execute/sync', { script: source, args });
  }

  async stop() {
    await this.call('DELETE', '', undefined);
  }
}

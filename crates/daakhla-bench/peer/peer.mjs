// The peer a user might pick instead of Daakhla's sync: an automerge-repo sync server (Node,
// WebSocket network adapter, file-system storage) holding the same records, one document per
// record, and a fresh client fetching them over loopback. Bytes are counted by a TCP relay
// between the two; the two repos run in this one process, so only time and bytes are compared.
//
// node peer.mjs --records FILE.jsonl --base N --dir DIR
//   FILE.jsonl: one record per line; the first N are the union council, the rest arrive later.
// Prints one JSON line: {"base": {...}, "incremental": {...}}.

import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter, WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { WebSocketServer } from "ws";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

const arg = (name) => process.argv[process.argv.indexOf(name) + 1];
const records = fs.readFileSync(arg("--records"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const base = Number(arg("--base"));
const dir = arg("--dir");

const listen = (server) => new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));

// The sync server.
const wss = new WebSocketServer({ noServer: true });
const http = (await import("node:http")).createServer();
http.on("upgrade", (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req)));
const serverPort = await listen(http);
const server = new Repo({
  network: [new WebSocketServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(path.join(dir, "server")),
  sharePolicy: async () => false,
});

// A relay that counts every byte between client and server.
let bytes = 0;
const relay = net.createServer((client) => {
  const upstream = net.connect(serverPort, "127.0.0.1");
  client.on("data", (d) => { bytes += d.length; upstream.write(d); });
  upstream.on("data", (d) => { bytes += d.length; client.write(d); });
  client.on("close", () => upstream.destroy());
  upstream.on("close", () => client.destroy());
  client.on("error", () => {});
  upstream.on("error", () => {});
});
const relayPort = await listen(relay);

// Created and saved 500 at a time: saving thousands at once runs out of file handles.
async function seed(list) {
  const urls = [];
  for (let i = 0; i < list.length; i += 500) {
    urls.push(...list.slice(i, i + 500).map((record) => server.create(record).url));
    await server.flush();
  }
  return urls;
}
const baseUrls = await seed(records.slice(0, base));

const client = new Repo({
  network: [new WebSocketClientAdapter(`ws://127.0.0.1:${relayPort}`)],
  storage: new NodeFSStorageAdapter(path.join(dir, "client")),
});

async function fetchAll(urls) {
  const started = performance.now();
  const before = bytes;
  // 100 at a time, each tried up to 3 times: the server may answer "unavailable" while busy.
  const find = async (url) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.find(url);
      } catch (e) {
        if (attempt === 3) throw e;
      }
    }
  };
  for (let i = 0; i < urls.length; i += 100) {
    await Promise.all(urls.slice(i, i + 100).map(find));
  }
  await client.flush();
  return { docs: urls.length, seconds: (performance.now() - started) / 1000, bytes: bytes - before };
}

const first = await fetchAll(baseUrls);
const laterUrls = await seed(records.slice(base));
const later = await fetchAll(laterUrls);
console.log(JSON.stringify({ base: first, incremental: later }));
process.exit(0);

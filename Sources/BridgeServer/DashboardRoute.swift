import Hummingbird

/// `GET /` and `GET /dashboard`: the dashboard, one self-contained page (no external assets, works offline). The
/// page holds no data: it reads the API with the key given once in the URL fragment (`#key=omb_…`, never sent to
/// the server in a request line, so never logged) and kept in the browser's localStorage.
struct DashboardRoute: Sendable {
    static let path = "/dashboard"

    func register(on router: Router<BridgeRequestContext>) {
        for path in ["/", Self.path] {
            router.get(RouterPath(path)) { _, _ in
                var headers = HTTPFields()
                headers[.contentType] = "text/html; charset=utf-8"
                headers[.contentSecurityPolicy] = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: Self.page)))
            }
        }
    }

    static let page = #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>omi-bridge</title>
        <style>
        :root{--bg:#f6f7f9;--card:#fff;--ink:#1d2330;--mute:#6b7280;--ok:#0a7d38;--bad:#b42318;--line:#e5e7eb;--accent:#3451b2}
        *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,sans-serif;background:var(--bg);color:var(--ink)}
        header{display:flex;align-items:center;gap:12px;padding:10px 18px;background:var(--ink);color:#fff}
        header h1{font-size:16px;margin:0}#link{font-size:12px;opacity:.8}
        main{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:14px;padding:14px}
        section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;min-height:120px;overflow:auto;max-height:460px}
        h2{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--mute);margin:0 0 8px}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}dt{color:var(--mute)}dd{margin:0}
        table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:3px 6px;border-bottom:1px solid var(--line);vertical-align:top}
        th{font-weight:600;color:var(--mute);font-size:12px}tr.pick{cursor:pointer}tr.pick:hover{background:#eef2ff}
        .ok{color:var(--ok)}.bad{color:var(--bad)}.mute{color:var(--mute)}.unread{font-weight:600}
        .seg{padding:3px 0;border-bottom:1px dashed var(--line)}.t{color:var(--mute);font-variant-numeric:tabular-nums;margin-right:6px}
        pre{white-space:pre-wrap;word-break:break-word;background:#f3f4f6;padding:8px;border-radius:6px;max-height:220px;overflow:auto;font-size:12px}
        button{font:inherit;font-size:12px;padding:1px 8px;border:1px solid var(--line);border-radius:4px;background:#fff;cursor:pointer}
        #keyform{padding:40px;text-align:center}#keyform input{width:360px;padding:6px}
        </style></head><body>
        <header><h1>omi-bridge</h1><span id="link" data-state="connecting">connecting…</span></header>
        <div id="keyform" hidden><p>This dashboard reads the bridge's API. Paste an API key
        (<code>omi-bridge api-keys create --role admin --name dashboard</code>):</p>
        <form><input id="key" autocomplete="off" placeholder="omb_…"> <button>Open</button></form></div>
        <main id="board" hidden>
        <section id="device"><h2>Device</h2><dl id="device-facts"></dl></section>
        <section><h2>Live transcript</h2><div id="transcript"><p class="mute">Waiting for speech…</p></div></section>
        <section><h2>App webhooks</h2><table><thead><tr><th>time</th><th>app</th><th>trigger</th><th>status</th><th>ms</th></tr></thead>
        <tbody id="webhooks"></tbody></table><div id="inspector"></div></section>
        <section><h2>Notifications</h2><div><button id="read-all">mark all read</button> <button id="delete-read">delete read</button></div>
        <table><tbody id="feed"></tbody></table></section>
        <section><h2>Deliveries</h2><table><thead><tr><th>channel</th><th>status</th><th>tries</th><th>notification</th><th>last error</th></tr></thead>
        <tbody id="deliveries"></tbody></table></section>
        <section><h2>Why didn't it fire?</h2><table><tbody id="decisions"></tbody></table></section>
        <section><h2>Conversations</h2><div id="conversations"></div></section>
        </main>
        <script>
        "use strict";
        const params = new URLSearchParams(location.hash.slice(1));
        if (params.get("key")) { localStorage.setItem("omiBridgeKey", params.get("key")); history.replaceState(null, "", location.pathname); }
        let key = localStorage.getItem("omiBridgeKey");
        const $ = id => document.getElementById(id);
        function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
        function row(cells, cls) { const tr = el("tr", undefined, cls); for (const c of cells) { const td = el("td"); if (c instanceof Node) td.append(c); else td.textContent = c ?? ""; tr.append(td); } return tr; }
        function time(iso) { return iso ? new Date(iso).toLocaleTimeString() : ""; }
        function clock(s) { const m = Math.floor(s / 60); return String(m).padStart(2, "0") + ":" + (s % 60).toFixed(1).padStart(4, "0"); }
        function askForKey() { $("board").hidden = true; $("keyform").hidden = false; }
        $("keyform").querySelector("form").onsubmit = e => { e.preventDefault(); localStorage.setItem("omiBridgeKey", $("key").value.trim()); location.reload(); };
        async function api(path, method = "GET") {
          const r = await fetch(path, { method, headers: { Authorization: "Bearer " + key } });
          if (r.status === 401) { askForKey(); throw new Error("unauthorized"); }
          return r.status === 204 ? null : r.json();
        }
        const device = {};
        function showDevice(d) {
          Object.assign(device, d);
          const facts = $("device-facts"); facts.replaceChildren();
          const lines = [["state", device.state], ["device", [device.name, device.address].filter(Boolean).join(" ")],
            ["battery", device.battery != null ? device.battery + "%" : "—"], ["codec", device.codec], ["MTU", device.mtu],
            ["RSSI", device.rssi != null ? device.rssi + " dBm (when found)" : "— (BlueZ reports it while scanning)"], ["notify", device.notify],
            ["packets", device.received != null ? device.received + " received, " + device.lost + " lost" +
              (device.received ? " (" + (100 * device.lost / (device.received + device.lost)).toFixed(1) + "%)" : "") : "—"]];
          for (const [k, v] of lines) { facts.append(el("dt", k)); facts.append(el("dd", v ?? "—", k === "state" ? (v === "streaming" ? "ok" : "bad") : "")); }
        }
        function showSegment(s) {
          const box = $("transcript"); if (box.querySelector(".mute")) box.replaceChildren();
          const line = el("div", undefined, "seg"); line.append(el("span", clock(s.start), "t"), el("span", s.text)); box.append(line); box.scrollTop = box.scrollHeight;
        }
        function showWebhook(w) {
          const ok = w.status === 200;
          const tr = row([time(w.at), w.app, w.trigger, el("span", w.status ?? w.error ?? "", ok ? "ok" : "bad"), w.latency_ms], "pick");
          tr.onclick = () => { const box = $("inspector"); box.replaceChildren(el("h2", "request " + w.url), el("pre", w.request || "(binary)"),
            el("h2", "response" + (w.ignored ? " — " + w.ignored : "")), el("pre", w.response ?? w.error ?? "")); };
          $("webhooks").prepend(tr);
        }
        async function refreshFeed() {
          const page = await api("/v1/notifications?limit=50"); const body = $("feed"); body.replaceChildren();
          if (!page.data.length) body.append(row(["No notifications yet."], "mute"));
          for (const n of page.data) {
            const read = el("button", "read"); read.onclick = async () => { await api("/v1/notifications/" + n.id + "/read", "POST"); refreshFeed(); };
            const del = el("button", "delete"); del.onclick = async () => { await api("/v1/notifications/" + n.id, "DELETE"); refreshFeed(); };
            const actions = el("span"); if (!n.is_read) actions.append(read, " "); actions.append(del);
            body.append(row([time(n.created_at), n.event_category, el("span", n.title + ": " + n.message, n.is_read ? "" : "unread"), actions], "notification"));
          }
        }
        async function refreshDeliveries() {
          const page = await api("/v1/notifications/deliveries?limit=30"); const body = $("deliveries"); body.replaceChildren();
          for (const d of page.data) body.append(row([d.channel, el("span", d.status, d.status === "failed" ? "bad" : d.status === "sent" ? "ok" : ""), d.attempt_count, d.notification?.title, d.last_error]));
        }
        async function refreshDecisions() {
          const page = await api("/v1/decisions?limit=30"); const body = $("decisions"); body.replaceChildren();
          if (!page.data.length) body.append(row(["No proactive notification asked for yet."], "mute"));
          for (const d of page.data) {
            const why = d.outcome === "sent" ? "sent" : d.outcome.replace(/_/g, " ");
            const detail = d.decision?.rendered_prompt ?? d.decision?.renderedPrompt ?? "";
            body.append(row([time(d.created_at), d.app_id, el("span", why, d.outcome === "sent" ? "ok" : "bad"), detail]));
          }
        }
        async function refreshConversations() {
          const page = await api("/v1/conversations?limit=10"); const box = $("conversations"); box.replaceChildren();
          if (!page.data.length) box.append(el("p", "No conversation closed yet.", "mute"));
          for (const c of page.data) { box.append(el("div", time(c.started_at) + " — " + c.title, "unread"), el("div", c.overview, "mute")); }
        }
        const refreshAll = () => Promise.all([refreshFeed(), refreshDeliveries(), refreshDecisions(), refreshConversations()]).catch(() => {});
        function handle(kind, data) {
          if (kind === "device") showDevice(data);
          else if (kind === "transcript") showSegment(data);
          else if (kind === "webhook") { showWebhook(data); if (data.trigger === "memory_creation") refreshConversations(); refreshDecisions(); }
          else if (kind === "notification") { refreshFeed(); refreshDeliveries(); }
        }
        async function follow() {
          try {
            const r = await fetch("/v1/live/events", { headers: { Authorization: "Bearer " + key } });
            if (r.status === 401) return askForKey();
            if (!r.ok) { $("link").textContent = "no live pipeline (serve only)"; $("link").dataset.state = "offline"; return; }
            $("link").textContent = "live"; $("link").dataset.state = "live";
            const reader = r.body.pipeThrough(new TextDecoderStream()).getReader(); let buffer = "";
            for (;;) {
              const { value, done } = await reader.read(); if (done) break; buffer += value; let end;
              while ((end = buffer.indexOf("\n\n")) >= 0) {
                const frame = buffer.slice(0, end); buffer = buffer.slice(end + 2); let kind = "", data = "";
                for (const line of frame.split("\n")) { if (line.startsWith("event: ")) kind = line.slice(7); else if (line.startsWith("data: ")) data += line.slice(6); }
                if (kind) handle(kind, JSON.parse(data));
              }
            }
          } catch (e) { if (e.message === "unauthorized") return; }
          $("link").textContent = "reconnecting…"; $("link").dataset.state = "connecting"; setTimeout(follow, 2000);
        }
        $("read-all").onclick = async () => { await api("/v1/notifications/read-all", "POST"); refreshFeed(); };
        $("delete-read").onclick = async () => { await api("/v1/notifications/read", "DELETE"); refreshFeed(); };
        if (!key) askForKey(); else { $("board").hidden = false; showDevice({}); refreshAll(); follow(); setInterval(refreshAll, 10000); }
        </script></body></html>
        """#
}

import CrumbsSession
import EventHTTP

/// `GET /`: one self-contained page that shows what the browser holds and what the server
/// reads from it. Its inline style and script are allowed by hash in a strict
/// Content-Security-Policy; nothing else may load or run.
enum Page {
    static let style = """
        :root { color-scheme: light dark; --accent: #b5651d; --muted: #6b6b6b; --card: rgba(127,127,127,.08); }
        * { box-sizing: border-box; }
        body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 64rem; padding: 1.25rem; }
        h1 { margin: .2rem 0; } h1 span { color: var(--accent); }
        h2 { font-size: 1.1rem; margin: 0 0 .6rem; }
        p.lead { margin-top: 0; color: var(--muted); }
        .grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(22rem, 100%), 1fr)); }
        section { background: var(--card); border-radius: .75rem; padding: 1rem; min-width: 0; }
        dl.routes { margin: 0; } dl.routes dt { font-family: ui-monospace, monospace; margin-top: .5rem; }
        dl.routes dd { margin: 0 0 0 .2rem; color: var(--muted); font-size: .92rem; }
        table { width: 100%; border-collapse: collapse; font-size: .92rem; table-layout: fixed; }
        th:first-child { width: 5rem; } th:last-child { width: 7.5rem; }
        th, td { text-align: left; padding: .3rem .25rem; border-bottom: 1px solid rgba(127,127,127,.25); vertical-align: top; }
        td code, pre { overflow-wrap: anywhere; white-space: pre-wrap; }
        pre { margin: 0; font-size: .88rem; }
        .tag { display: inline-block; font-size: .75rem; border-radius: .6rem; padding: 0 .5rem; }
        .readable { background: #d8f0d2; color: #1f5a14; } .hidden { background: #f5d9d0; color: #7a2410; }
        form { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .6rem; }
        input { flex: 1 1 14rem; min-width: 0; font: inherit; padding: .35rem .5rem; }
        input#value { flex-basis: 100%; }
        button { font: inherit; padding: .35rem .8rem; border-radius: .5rem; border: 1px solid var(--accent);
                 background: var(--accent); color: white; cursor: pointer; }
        button.quiet { background: transparent; color: var(--accent); }
        h2.next { margin-top: .8rem; }
        .result { min-height: 1.5rem; margin: .4rem 0 0; color: var(--muted); font-size: .9rem; overflow-wrap: anywhere; }
        .result.failed { color: #b3261e; }
        """

    static let script = """
        "use strict";
        const $ = (id) => document.getElementById(id);
        // The outcome of an action is shown beside the control that caused it.
        const say = (where, text, failed = false) => {
          $(where).textContent = text;
          $(where).classList.toggle("failed", failed);
        };
        function readableNames() {
          return new Set(document.cookie.split(";").map((pair) => pair.split("=")[0].trim()).filter(Boolean));
        }
        function row(cells) {
          const tr = document.createElement("tr");
          for (const cell of cells) { const td = document.createElement("td"); td.append(cell); tr.append(td); }
          return tr;
        }
        function code(text) { const c = document.createElement("code"); c.textContent = text; return c; }
        function tag(readable) {
          const span = document.createElement("span");
          span.className = "tag " + (readable ? "readable" : "hidden");
          span.textContent = readable ? "page scripts can read it" : "HttpOnly: scripts cannot read it";
          return span;
        }
        async function refresh() {
          const answer = await fetch("/sessions", { credentials: "same-origin" }).then((r) => r.json());
          const readable = readableNames();
          const rows = answer.cookies.flatMap((item) => Object.entries(item))
            .map(([name, value]) => row([code(name), code(value), tag(readable.has(name))]));
          $("cookies").replaceChildren(...rows);
          if (rows.length === 0) $("cookies").append(row(["no cookies yet", "", ""]));
          $("session").textContent = JSON.stringify(answer.session, null, 2);
          const raw = answer.cookies.find((item) => "session" in item);
          $("raw").textContent = raw ? raw.session : "(no session cookie)";
        }
        // A refusal says why: the server's JSON error carries a message.
        async function act(where, description, request) {
          try {
            const response = await request();
            let text = description + ": " + response.status + " " + response.statusText;
            if (!response.ok) {
              const answer = await response.json().catch(() => null);
              if (answer && answer.message) text += ": " + answer.message;
            }
            say(where, text, !response.ok);
          } catch (error) {
            say(where, description + " failed: " + error, true);
          }
          await refresh().catch((error) => say(where, "could not read the session: " + error, true));
        }
        $("crumbs").addEventListener("click", () => act("try-result", "GET /crumbs", () => fetch("/crumbs")));
        $("count").addEventListener("click", () => act("try-result", "GET /sessions/count", () => fetch("/sessions/count")));
        $("clear").addEventListener("click", () => act("try-result", "DELETE /sessions and /crumbs",
          () => fetch("/sessions", { method: "DELETE" }).then(() => fetch("/crumbs", { method: "DELETE" }))));
        $("mouse-form").addEventListener("submit", (event) => {
          event.preventDefault();
          document.cookie = "mouse=" + encodeURIComponent($("mouse").value) + "; Path=/; SameSite=Lax";
          say("mouse-result", "document.cookie set mouse; the server sees it on the next request");
          refresh();
        });
        $("value-form").addEventListener("submit", (event) => {
          event.preventDefault();
          const key = $("key").value.trim();
          act("value-result", "PUT /sessions/" + key, () => fetch("/sessions/" + encodeURIComponent(key), {
            method: "PUT", headers: { "Content-Type": "application/json" }, body: $("value").value,
          }));
        });
        refresh().catch((error) => say("try-result", "could not read the session: " + error, true));
        """

    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Crumbs: cookies and sessions</title>
        <link rel="icon" href="data:,">
        <style>\(style)</style>
        </head>
        <body>
        <h1><span>Crumbs</span> — cookies and sessions</h1>
        <p class="lead">The session lives in your browser, in a cookie signed by the server. Anyone can read it;
        only the server can change it. <code>mouse</code> is a plain cookie: edit it and the server believes you.</p>
        <div class="grid">
        <section>
        <h2>Cookies your browser sends</h2>
        <table><thead><tr><th>name</th><th>value</th><th>scripts</th></tr></thead><tbody id="cookies"></tbody></table>
        <form id="mouse-form"><input id="mouse" aria-label="new mouse value" placeholder="new value for mouse">
        <button type="submit">Edit mouse</button></form>
        <p class="result" id="mouse-result" role="status"></p>
        </section>
        <section>
        <h2>Session, as the server decoded it</h2>
        <pre id="session">…</pre>
        <h2 class="next">Raw <code>session</code> cookie</h2>
        <pre id="raw">…</pre>
        </section>
        <section>
        <h2>Try it</h2>
        <form><button id="crumbs" type="button">Follow the crumbs</button>
        <button id="count" type="button">Count a visit</button>
        <button id="clear" type="button" class="quiet">Clear both cookies</button></form>
        <p class="result" id="try-result" role="status"></p>
        <form id="value-form"><input id="key" aria-label="session key" placeholder="key, e.g. theme" required>
        <input id="value" aria-label="JSON value" placeholder='JSON value, e.g. "dark"' required>
        <button type="submit">Set in session</button></form>
        <p class="result" id="value-result" role="status"></p>
        </section>
        <section>
        <h2>Routes</h2>
        <dl class="routes">
        <dt><a href="/sessions/hello">GET /sessions/hello</a>, <a href="/sessions/goodnight">goodnight</a></dt>
        <dd>The lesson's route: fills in hello, goodnight and count if missing, shows one value and your cookies.</dd>
        <dt><a href="/sessions/count">GET /sessions/count</a></dt>
        <dd>Adds one to count on every visit and signs the session again.</dd>
        <dt><a href="/crumbs">GET /crumbs</a></dt>
        <dd>Sets the readable cookie mouse=Cookie. DELETE /crumbs expires it.</dd>
        <dt><a href="/sessions">GET /sessions</a></dt>
        <dd>The whole session. PUT and DELETE /sessions/&lt;key&gt; change it; DELETE /sessions clears it.</dd>
        </dl>
        </section>
        </div>
        <script>\(script)</script>
        </body>
        </html>

        """

    /// The page's response, built once: the body and headers never change.
    static func response() -> HTTPResponse {
        let policy = [
            "default-src 'none'", "script-src 'sha256-\(SHA256.base64Digest(Array(script.utf8)))'",
            "style-src 'sha256-\(SHA256.base64Digest(Array(style.utf8)))'",
            "connect-src 'self'", "img-src data:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
        ].joined(separator: "; ")
        return HTTPResponse(
            status: 200,
            headers: [
                HTTPHeader("Content-Type", "text/html; charset=utf-8"), HTTPHeader("Content-Security-Policy", policy),
                HTTPHeader("X-Content-Type-Options", "nosniff"), HTTPHeader("Referrer-Policy", "no-referrer"),
                HTTPHeader("Cache-Control", "no-store"),
            ],
            sharedBody: SharedBody(Array(html.utf8)))
    }
}

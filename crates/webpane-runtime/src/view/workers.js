  // Dedicated workers get `chrome.webview` too (WebView2's worker messaging). Spliced into
  // chrome_webview.js, inside its closure. WebKit gives no hook into a worker's global scope, so
  // `new Worker(url)` starts the worker from a small bootstrap (a blob of this origin) that
  // defines `self.chrome.webview` and then runs the real script (`importScripts`, or `import`
  // for module workers). Relative URLs in the worker resolve against the real script, as they
  // would had it been started from it (`location`, `importScripts`, `fetch`, XHR, nested workers).
  // The worker talks to this page over a MessageChannel; this page tells the app through the
  // frame's queue: created (script URI, name), each message, destroyed (terminate, close, the
  // document going away).
  const workers = (() => {
    const NativeWorker = window.Worker;
    const live = new Map();
    const ids = new WeakMap();
    // Numbers unique across documents (an old document's last words may arrive after a new
    // document's first, from another process).
    let next = Math.floor(Math.random() * 0x7fffffff) * 0x10000 + 1;
    const none = { post() {} };
    if (typeof NativeWorker !== "function") return none;
    const URLCtor = URL;
    const BlobCtor = Blob;
    const MessageChannelCtor = MessageChannel;
    const createObjectURL = URL.createObjectURL;
    const revokeObjectURL = URL.revokeObjectURL;
    const nativePost = NativeWorker.prototype.postMessage;
    const nativeTerminate = NativeWorker.prototype.terminate;
    const apply = Reflect.apply;
    const tell = (envelope) => {
      try { post(stringify(envelope), "worker"); } catch (e) { /* the app does not read: dropped */ }
    };
    const gone = (id) => {
      if (!live.delete(id)) return;
      tell({ worker: id, event: "destroyed" });
    };
    // Runs in the worker, before its own script (made into source text by toString()).
    const inWorker = function (scriptUri) {
      const g = self;
      const stringify = JSON.stringify;
      const parse = JSON.parse;
      const target = new EventTarget();
      const queue = [];
      let port = null;
      g.addEventListener("message", function grab(e) {
        if (port || !e.data || e.data.__webpaneWorker !== true || !e.ports || !e.ports[0]) return;
        e.stopImmediatePropagation();
        g.removeEventListener("message", grab);
        port = e.ports[0];
        port.onmessage = (m) => {
          const d = m.data;
          if (d && typeof d.json === "string") target.dispatchEvent(new MessageEvent("message", { data: parse(d.json) }));
        };
        port.postMessage({ hello: true });
        for (let i = 0; i < queue.length; i++) port.postMessage({ json: queue[i] });
        queue.length = 0;
      });
      const webview = {
        postMessage(message) {
          const json = stringify(message);
          if (typeof json !== "string") throw new TypeError("chrome.webview.postMessage: the message cannot be serialized as JSON");
          if (port) port.postMessage({ json }); else queue.push(json);
        },
        addEventListener(type, listener, options) { target.addEventListener(type, listener, options); },
        removeEventListener(type, listener, options) { target.removeEventListener(type, listener, options); },
      };
      Object.defineProperty(g, "chrome", { value: Object.freeze({ webview: Object.freeze(webview) }), enumerable: true });
      const resolve = (u) => { try { return new URL(String(u), scriptUri).href; } catch (e) { return u; } };
      const real = new URL(scriptUri);
      Object.defineProperty(g, "location", {
        value: Object.freeze({
          href: real.href, origin: real.origin, protocol: real.protocol, host: real.host, hostname: real.hostname,
          port: real.port, pathname: real.pathname, search: real.search, hash: real.hash, toString: () => real.href,
        }),
      });
      if (typeof g.importScripts === "function") {
        const nativeImport = g.importScripts;
        g.importScripts = (...urls) => nativeImport.apply(g, urls.map(resolve));
      }
      const nativeFetch = g.fetch;
      g.fetch = (input, init) => nativeFetch.call(g, typeof input === "string" || input instanceof URL ? resolve(input) : input, init);
      const open = XMLHttpRequest.prototype.open;
      XMLHttpRequest.prototype.open = function (method, url, ...rest) { return open.call(this, method, resolve(url), ...rest); };
      if (typeof g.Worker === "function") {
        const W = g.Worker;
        g.Worker = function Worker(url, options) { return new W(resolve(url), options); };
        g.Worker.prototype = W.prototype;
      }
      const nativeClose = g.close;
      g.close = () => { if (port) port.postMessage({ closed: true }); nativeClose.call(g); };
    };
    const Worker = function Worker(url, options) {
      if (!new.target) throw new TypeError("Constructor Worker requires 'new'");
      const scriptUri = new URLCtor(String(url), document.baseURI).href;
      const module = !!options && options.type === "module";
      const start = module ? "await import(" + stringify(scriptUri) + ");" : "importScripts(" + stringify(scriptUri) + ");";
      const source = "(" + inWorker.toString() + ")(" + stringify(scriptUri) + ");\n" + start;
      const blob = apply(createObjectURL, URLCtor, [new BlobCtor([source], { type: "text/javascript" })]);
      const worker = new NativeWorker(blob, options);
      const id = next++;
      const channel = new MessageChannelCtor();
      live.set(id, channel.port1);
      ids.set(worker, id);
      channel.port1.onmessage = (e) => {
        const d = e.data;
        if (!d) return;
        if (d.hello) apply(revokeObjectURL, URLCtor, [blob]);
        else if (d.closed) gone(id);
        else if (typeof d.json === "string") tell({ worker: id, event: "message", message: d.json });
      };
      apply(nativePost, worker, [{ __webpaneWorker: true }, [channel.port2]]);
      tell({ worker: id, event: "created", scriptUri, name: (options && options.name) ? String(options.name) : "" });
      return worker;
    };
    Worker.prototype = NativeWorker.prototype;
    Object.defineProperty(NativeWorker.prototype, "terminate", {
      value: function terminate() {
        const id = ids.get(this);
        apply(nativeTerminate, this, []);
        if (id !== undefined) gone(id);
      },
      writable: true,
      configurable: true,
    });
    Object.defineProperty(window, "Worker", { value: Worker, writable: true, configurable: true });
    // The document going away takes its workers along.
    window.addEventListener("pagehide", () => { for (const id of [...live.keys()]) gone(id); });
    return {
      // The app's message to worker `id` (JSON text).
      post(id, json) {
        const port = live.get(id);
        if (port) port.postMessage({ json });
      },
    };
  })();

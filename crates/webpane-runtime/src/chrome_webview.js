// window.chrome.webview, WebView2-compatible web messages. Injected by webpane-runtime at the
// start of every document (all frames, page world). __TOKEN__ is replaced per webview: messages
// without it are dropped by the runtime, and the literal never appears in a function the page can
// reach (toString of the functions below shows the variable name only).
//
// Back-pressure (every frame): at most WINDOW messages and WINDOW_BYTES are in flight to the app; the
// runtime acknowledges each once it has left for the app's socket. Further messages wait here, in
// order; if QUEUE_BYTES are already waiting because the app does not read, postMessage throws
// instead of growing memory without bound. Nothing accepted by postMessage is lost.
(() => {
  const token = "__TOKEN__";
  const handlers = window.webkit && window.webkit.messageHandlers;
  const channel = handlers && handlers.webpane;
  if (!channel || (window.chrome && window.chrome.webview)) return;
  const send = channel.postMessage.bind(channel);
  const stringify = JSON.stringify;
  // Set read-only by webpane's web process extension before any page script: says which frame
  // sends (the app's WebMessageReceived carries it, and acknowledgements find their way back).
  const frame = typeof window.__webpaneFrame === "string" ? window.__webpaneFrame : "";
  const windowed = window === window.top || frame !== "";
  const WINDOW = 8192;
  const WINDOW_BYTES = 16 * 1024 * 1024;
  const QUEUE_BYTES = 64 * 1024 * 1024;
  const inFlight = [];
  let inFlightBytes = 0;
  const waiting = [];
  let waitingHead = 0;
  let waitingBytes = 0;
  const pump = () => {
    while (waitingHead < waiting.length && inFlight.length < WINDOW && (inFlightBytes < WINDOW_BYTES || inFlight.length === 0)) {
      const envelope = waiting[waitingHead];
      waiting[waitingHead++] = undefined;
      waitingBytes -= envelope.length;
      inFlight.push(envelope.length);
      inFlightBytes += envelope.length;
      send(envelope);
    }
    if (waitingHead === waiting.length) {
      waiting.length = 0;
      waitingHead = 0;
    }
  };
  const target = new EventTarget();
  const webview = {
    postMessage(message) {
      const json = stringify(message);
      if (json === undefined) throw new TypeError("chrome.webview.postMessage: the message cannot be serialized as JSON");
      const envelope = stringify({ t: token, s: String(location.href), d: json, w: windowed ? 1 : 0, f: frame });
      if (!windowed) {
        send(envelope);
        return;
      }
      if (waitingBytes + envelope.length > QUEUE_BYTES && waitingBytes > 0) {
        throw new Error("chrome.webview.postMessage: the app is not reading its messages (64 MiB waiting); try again later");
      }
      waiting.push(envelope);
      waitingBytes += envelope.length;
      pump();
    },
    addEventListener(type, listener, options) {
      target.addEventListener(type, listener, options);
    },
    removeEventListener(type, listener, options) {
      target.removeEventListener(type, listener, options);
    },
    // WebView2's releaseBuffer: the shared memory leaves this page at once (even if the page
    // transferred the buffer: what it kept reads zeros), and the buffer is detached.
    releaseBuffer(buffer) {
      const release = releases.get(buffer);
      if (!release) return;
      releases.delete(buffer);
      release();
      if (!buffer.detached) buffer.transfer(0);
    },
  };
  // Shared buffers from the app (webpane's web process extension calls this with the buffer).
  const releases = new WeakMap();
  Object.defineProperty(webview, "__webpaneSharedBuffer", {
    value: (key, buffer, additionalData, release) => {
      if (key !== token) return false;
      releases.set(buffer, release);
      const event = new Event("sharedbufferreceived");
      const data = additionalData == null ? null : JSON.parse(additionalData);
      Object.defineProperty(event, "additionalData", { value: data, enumerable: true });
      Object.defineProperty(event, "getBuffer", { value: () => buffer });
      target.dispatchEvent(event);
      return true;
    },
  });
  Object.defineProperty(webview, "__webpaneDispatch", {
    value: (key, data) => {
      if (key === token) target.dispatchEvent(new MessageEvent("message", { data, source: window }));
    },
  });
  Object.defineProperty(webview, "__webpaneAck", {
    value: (key, count) => {
      if (key !== token) return;
      for (let i = 0; i < count && inFlight.length; i++) inFlightBytes -= inFlight.shift();
      pump();
    },
  });
  if (!window.chrome) window.chrome = {};
  Object.defineProperty(window.chrome, "webview", { value: Object.freeze(webview), enumerable: true });
  // Pages cannot swap window.chrome for an object of their own (webpane's web process
  // extension calls into window.chrome.webview).
  Object.defineProperty(window, "chrome", { value: window.chrome, writable: false, configurable: false });
})();

// window.chrome.webview, WebView2-compatible web messages. Injected by webpane-runtime at the
// start of every document (all frames, page world). __TOKEN__ is replaced per webview: messages
// without it are dropped by the runtime, and the literal never appears in a function the page can
// reach (toString of the functions below shows the variable name only).
(() => {
  const token = "__TOKEN__";
  const handlers = window.webkit && window.webkit.messageHandlers;
  const channel = handlers && handlers.webpane;
  if (!channel || (window.chrome && window.chrome.webview)) return;
  const send = channel.postMessage.bind(channel);
  const stringify = JSON.stringify;
  const target = new EventTarget();
  const webview = {
    postMessage(message) {
      const json = stringify(message);
      if (json === undefined) throw new TypeError("chrome.webview.postMessage: the message cannot be serialized as JSON");
      send(stringify({ t: token, s: String(location.href), d: json }));
    },
    addEventListener(type, listener, options) {
      target.addEventListener(type, listener, options);
    },
    removeEventListener(type, listener, options) {
      target.removeEventListener(type, listener, options);
    },
  };
  Object.defineProperty(webview, "__webpaneDispatch", {
    value: (key, data) => {
      if (key === token) target.dispatchEvent(new MessageEvent("message", { data, source: window }));
    },
  });
  if (!window.chrome) window.chrome = {};
  Object.defineProperty(window.chrome, "webview", { value: Object.freeze(webview), enumerable: true });
})();

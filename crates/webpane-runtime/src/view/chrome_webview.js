// window.chrome.webview, WebView2-compatible web messages. Injected by webpane-runtime at the
// start of every document (all frames, page world), before any page script. __TOKEN__ is
// replaced per webview; it guards the entry points the runtime calls (it never leaves this
// closure: no page-reachable function or object ever sees it).
//
// Who sends is not this script's to say: webpane's web process extension binds a native
// function to each frame's window (`__webpaneSend`, taken and deleted here before any page script
// runs). It tells the runtime which WebKit frame called and that frame's document URI; nothing
// page script can reach or replace (globals, prototypes, this object) goes into the sender's
// identity.
//
// Back-pressure (every frame): at most WINDOW messages and WINDOW_BYTES are in flight to the app; the
// runtime acknowledges each once it has left for the app's socket. Further messages wait here, in
// order; if QUEUE_BYTES are already waiting because the app does not read, postMessage throws
// instead of growing memory without bound. Nothing accepted by postMessage is lost. Host object
// requests (host_objects.js, spliced in below) share that queue: one order for both.
(() => {
  const token = "__TOKEN__";
  const native = Object.getOwnPropertyDescriptor(window, "__webpaneSend");
  delete window.__webpaneSend;
  if (!native || typeof native.value !== "function" || (window.chrome && window.chrome.webview)) return;
  const send = native.value;
  const reflectApply = Reflect.apply;
  const nativeFiles = Object.getOwnPropertyDescriptor(window, "__webpaneSendFiles");
  delete window.__webpaneSendFiles;
  const sendFiles = nativeFiles && typeof nativeFiles.value === "function" ? nativeFiles.value : null;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const TypeErrorCtor = TypeError;
  const ErrorCtor = Error;
  const WINDOW = 8192;
  const WINDOW_BYTES = 16 * 1024 * 1024;
  const QUEUE_BYTES = 64 * 1024 * 1024;
  // Plain index arithmetic, no array methods: the page may replace Array.prototype's.
  const inFlight = [];
  let inFlightHead = 0;
  let inFlightBytes = 0;
  const waiting = [];
  // Whether each waiting entry is a host object request (else a web message).
  const waitingHost = [];
  let waitingHead = 0;
  let waitingBytes = 0;
  let inFlightTail = 0;
  let waitingTail = 0;
  const pump = () => {
    while (waitingHead < waitingTail && inFlightTail - inFlightHead < WINDOW && (inFlightBytes < WINDOW_BYTES || inFlightTail === inFlightHead)) {
      const json = waiting[waitingHead];
      const host = waitingHost[waitingHead];
      // A message with files waits here until they are read (later messages wait behind it).
      if (host && typeof host === "object" && !host.ready) break;
      waiting[waitingHead] = undefined;
      waitingHost[waitingHead++] = undefined;
      waitingBytes -= json.length;
      inFlight[inFlightTail++] = json.length;
      inFlightBytes += json.length;
      if (host && typeof host === "object") {
        if (host.failed || !sendFiles) {
          // Dropped (said on the console): nothing goes to the app, nothing is acknowledged.
          inFlightTail--;
          inFlightBytes -= json.length;
          continue;
        }
        const args = [json, host.infos];
        for (let i = 0; i < host.buffers.length; i++) args[i + 2] = host.buffers[i];
        reflectApply(sendFiles, undefined, args);
      } else send(json, host);
    }
    if (waitingHead === waitingTail) {
      waiting.length = 0;
      waitingHost.length = 0;
      waitingHead = waitingTail = 0;
    }
    if (inFlightHead === inFlightTail) {
      inFlight.length = 0;
      inFlightHead = inFlightTail = 0;
    }
  };
  // Queues a web message or a host object request; throws if too much waits already.
  const post = (json, host) => {
    if (waitingBytes + json.length > QUEUE_BYTES && waitingBytes > 0) {
      throw new ErrorCtor("chrome.webview: the app is not reading its messages (64 MiB waiting); try again later");
    }
    waiting[waitingTail] = json;
    waitingHost[waitingTail++] = host;
    waitingBytes += json.length;
    pump();
  };
  const target = new EventTarget();
/*__HOST_OBJECTS__*/
/*__FILES__*/
/*__WORKERS__*/
  const webview = {
    postMessage(message) {
      const json = stringify(message);
      if (typeof json !== "string") throw new TypeErrorCtor("chrome.webview.postMessage: the message cannot be serialized as JSON");
      post(json, false);
    },
    // WebView2's asynchronous host object proxies (webpane has no synchronous ones).
    hostObjects: hostObjects.root,
    // Files (from <input type=file>, drag and drop, or made by the page) to the app, by content.
    postMessageWithAdditionalObjects(message, additionalObjects) {
      files.postWithFiles(message, additionalObjects);
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
  // A batch of the app's messages, as JSON texts in order (from the web process extension).
  Object.defineProperty(webview, "__webpaneDispatchAll", {
    value: (key, jsons) => {
      if (key !== token) return;
      for (let i = 0; i < jsons.length; i++) {
        let data;
        try {
          data = parse(jsons[i]);
        } catch {
          continue;
        }
        target.dispatchEvent(new MessageEvent("message", { data, source: window }));
      }
    },
  });
  Object.defineProperty(webview, "__webpaneFiles", {
    value: (key, json, infos, natives) => {
      if (key !== token) return false;
      files.deliver(json, infos, natives);
      return true;
    },
  });
  Object.defineProperty(webview, "__webpaneWorkerPost", {
    value: (key, worker, json) => {
      if (key === token) workers.post(worker, json);
    },
  });
  Object.defineProperty(webview, "__webpaneHost", {
    value: (key, reply) => {
      if (key === token) hostObjects.answer(reply);
    },
  });
  Object.defineProperty(webview, "__webpaneAck", {
    value: (key, count) => {
      if (key !== token) return;
      for (let i = 0; i < count && inFlightHead < inFlightTail; i++) {
        inFlightBytes -= inFlight[inFlightHead];
        inFlight[inFlightHead++] = undefined;
      }
      pump();
    },
  });
  if (!window.chrome) window.chrome = {};
  Object.defineProperty(window.chrome, "webview", { value: Object.freeze(webview), enumerable: true });
  // Pages cannot swap window.chrome for an object of their own (webpane's web process
  // extension calls into window.chrome.webview).
  Object.defineProperty(window, "chrome", { value: window.chrome, writable: false, configurable: false });
})();

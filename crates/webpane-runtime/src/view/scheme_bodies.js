// webpane: request bodies of custom-scheme requests are passed on as bytes.
//
// WebKitGTK's browser process hangs for good when it is asked for the body of a custom-scheme
// request that holds a Blob (webkit_uri_scheme_request_get_http_body resolves blob references
// there, which never returns). So before such a request leaves the page, a Blob, File, FormData
// or stream body is read into an ArrayBuffer here, with the Content-Type it implies. Other bodies
// (strings, ArrayBuffers, typed arrays) and other schemes pass untouched.
(() => {
  const schemes = new Set(__SCHEMES__);
  const custom = (url) => {
    try {
      return schemes.has(new URL(url, document.baseURI).protocol);
    } catch (_) {
      return false;
    }
  };
  const needsBytes = (body) =>
    body instanceof Blob || body instanceof FormData || (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream);

  const fetch = window.fetch;
  window.fetch = function (input, init) {
    const url = input instanceof Request ? input.url : String(input);
    const body = init && 'body' in init ? init.body : input instanceof Request ? input.body : null;
    if (!custom(url) || body == null || !needsBytes(body)) {
      return fetch.apply(this, arguments);
    }
    let request;
    try {
      request = new Request(input, init);
    } catch (e) {
      return Promise.reject(e);
    }
    return request.arrayBuffer().then((bytes) =>
      fetch.call(this, request.url, {
        method: request.method,
        headers: request.headers,
        body: bytes,
        mode: request.mode,
        credentials: request.credentials,
        cache: request.cache,
        redirect: request.redirect,
        referrer: request.referrer,
        referrerPolicy: request.referrerPolicy,
        integrity: request.integrity,
        signal: request.signal,
      }),
    );
  };

  const open = XMLHttpRequest.prototype.open;
  const send = XMLHttpRequest.prototype.send;
  const setRequestHeader = XMLHttpRequest.prototype.setRequestHeader;
  const urls = new WeakMap();
  const typed = new WeakSet();
  XMLHttpRequest.prototype.open = function (method, url) {
    urls.set(this, String(url));
    typed.delete(this);
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.setRequestHeader = function (name) {
    if (String(name).toLowerCase() === 'content-type') typed.add(this);
    return setRequestHeader.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function (body) {
    if (body == null || !needsBytes(body) || !custom(urls.get(this))) {
      return send.apply(this, arguments);
    }
    const response = new Response(body);
    const type = response.headers.get('content-type');
    if (type && !typed.has(this)) setRequestHeader.call(this, 'Content-Type', type);
    response.arrayBuffer().then(
      (bytes) => send.call(this, bytes),
      () => send.call(this, new ArrayBuffer(0)),
    );
  };
})();

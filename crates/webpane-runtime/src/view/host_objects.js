  // chrome.webview.hostObjects (WebView2's asynchronous host object proxies). Spliced into
  // chrome_webview.js, inside its closure: `post(json, true)` queues a host object request behind
  // the frame's web messages (same order, same flow control); the app answers through
  // `__webpaneHost`. The wire format is described in the SDK's host_objects/scope.rs.
  const hostObjects = (() => {
    const apply = Reflect.apply;
    const ProxyCtor = Proxy;
    const PromiseCtor = Promise;
    const promiseThen = Promise.prototype.then;
    const isArray = Array.isArray;
    const isView = ArrayBuffer.isView;
    const hasOwn = Object.hasOwn;
    const create = Object.create;
    const freeze = Object.freeze;
    const weakMapGet = WeakMap.prototype.get;
    const weakMapSet = WeakMap.prototype.set;
    const WeakRefCtor = WeakRef;
    const deref = WeakRef.prototype.deref;
    const registry = new FinalizationRegistry((held) => collected(held));
    const register = FinalizationRegistry.prototype.register;
    const random = Math.random;
    const floor = Math.floor;
    const DataViewCtor = DataView;
    const SymbolCtor = Symbol;
    // Calls waiting for the app, by id. Ids start at random so that an answer meant for an
    // earlier document can never match a call of this one.
    const calls = create(null);
    let nextCall = floor(random() * 2 ** 40) + 1;
    // Proxies of objects the app handed to this document: id → { ref, count, gen }.
    const live = create(null);
    let generation = 0;
    // Proxy → what it stands for (only ours are in it).
    const described = new WeakMap();
    const describe = (v) => ((typeof v === "function" || (typeof v === "object" && v !== null)) ? apply(weakMapGet, described, [v]) : undefined);
    const options = {
      forceLocalProperties: ["then", "toJSON", SymbolCtor.toStringTag, SymbolCtor.toPrimitive],
      ignoreMemberNotFoundError: false,
      log: null,
      shouldSerializeDates: false,
      shouldPassTypedArraysAsArrays: true,
      defaultSyncProxy: false,
      forceAsyncMethodMatches: [],
    };
    const local = create(null);
    for (const name of ["constructor", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "toString", "valueOf", "__proto__", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__", "apply", "bind", "call"]) local[name] = true;
    const SYNC_MESSAGE = "chrome.webview.hostObjects.sync is not available in webpane (its pages cannot block on the app): use the asynchronous proxies, e.g. await chrome.webview.hostObjects.NAME.method()";

    const indexOf = Array.prototype.indexOf;
    const forcedLocal = (prop) => {
      const list = options.forceLocalProperties;
      return isArray(list) && apply(indexOf, list, [prop]) >= 0;
    };
    const then = (promise, onValue, onError) => apply(promiseThen, promise, [onValue, onError]);
    const log = (...what) => { if (typeof options.log === "function") { try { options.log(...what); } catch (_) {} } };
    const request = (req) => new PromiseCtor((resolve, reject) => {
      const c = nextCall++;
      // The id leads the JSON, so even a request the app cannot read is answered.
      const json = stringify({ op: req.op, c, t: req.t, m: req.m, a: req.a, v: req.v, i: options.ignoreMemberNotFoundError === true }, replacer);
      calls[c] = { resolve, reject };
      log("host object request", json);
      try {
        post(json, true);
      } catch (e) {
        delete calls[c];
        reject(e);
      }
    });
    const replacer = (key, value) => {
      if (describe(value)) throw new TypeErrorCtor("a host object proxy can be passed as an argument or inside an array, not inside an object");
      return value;
    };
    const encode = (v, depth) => {
      if (depth > 32) throw new TypeErrorCtor("host object arguments nest too deeply");
      const d = describe(v);
      if (d) {
        if (d.target) return d.target;
        throw new TypeErrorCtor("await a host object property or method result before passing it to the host");
      }
      if (v === undefined) return {};
      if (typeof v === "function") throw new TypeErrorCtor("functions cannot be passed to the host");
      if (isArray(v)) {
        const a = [];
        for (let i = 0; i < v.length; i++) a[i] = encode(v[i], depth + 1);
        return { a };
      }
      if (isView(v) && !(v instanceof DataViewCtor)) {
        const j = [];
        for (let i = 0; i < v.length; i++) j[i] = typeof v[i] === "bigint" ? String(v[i]) : v[i];
        return { j };
      }
      return { j: v };
    };
    const decode = (e) => {
      if (e === null || typeof e !== "object") return undefined;
      if (hasOwn(e, "j")) return e.j;
      if (hasOwn(e, "h")) return handed(e.h);
      if (hasOwn(e, "a") && isArray(e.a)) {
        const out = [];
        for (let i = 0; i < e.a.length; i++) out[i] = decode(e.a[i]);
        return out;
      }
      return undefined;
    };
    const release = (id, count) => {
      try {
        post(stringify({ op: "release", h: id, n: count }), true);
      } catch (_) {
        // The app is not reading: the document's end releases everything anyway.
      }
    };
    const collected = (held) => {
      const entry = live[held.id];
      if (entry && entry.gen === held.gen) {
        delete live[held.id];
        release(held.id, entry.count);
      }
    };
    // The proxy for an object the app handed over (the same proxy while the page holds it).
    const handed = (id) => {
      const entry = live[id];
      const existing = entry && apply(deref, entry.ref, []);
      if (existing) {
        entry.count++;
        return existing;
      }
      if (entry) {
        delete live[id];
        release(id, entry.count);
      }
      const proxy = objectProxy({ h: id }, false);
      const gen = ++generation;
      live[id] = { ref: new WeakRefCtor(proxy), count: 1, gen };
      apply(register, registry, [proxy, { id, gen }]);
      return proxy;
    };

    // Runs `remote(target)` on what `base` stands for, or `onLocal(value)` when it turns out to
    // be a plain value (`await obj.list.length`).
    const on = (base, remote, onLocal) => {
      if (base.target) return remote(base.target);
      return then(base.value(), (value) => {
        const d = describe(value);
        if (d && d.target) return remote(d.target);
        return onLocal(value);
      });
    };
    const memberGet = (base, name) => on(base, (t) => request({ op: "get", t, m: name }), (v) => (v == null ? undefined : v[name]));
    const memberSet = (base, name, value) => on(base, (t) => request({ op: "set", t, m: name, v: encode(value, 0) }), (v) => { v[name] = value; });
    const memberCall = (base, name, args) => on(base, (t) => {
      const a = [];
      for (let i = 0; i < args.length; i++) a[i] = encode(args[i], 0);
      return request({ op: "call", t, m: name, a });
    }, (v) => apply(v[name], v, args));

    // The methods every proxy has (HostObjectAsyncProxyBase).
    const helpers = (d) => ({
      applyHostFunction: (args) => memberCall(d, null, args || []),
      getHostProperty: (name) => memberGet(d, name),
      setHostProperty: (name, value) => memberSet(d, name, value),
      getLocalProperty: (name) => d.locals[name],
      setLocalProperty: (name, value) => { d.locals[name] = value; },
      sync: () => PromiseCtor.reject(new ErrorCtor(SYNC_MESSAGE)),
    });

    // A proxy. `d.target` ({n} or {h}) when it stands for an object; else `d.value()` gives a
    // promise of its value (a property read or a method's result, not yet known).
    const makeProxy = (d, thenable) => {
      const shell = () => {};
      d.locals = create(null);
      let own;
      const proxy = new ProxyCtor(shell, {
        get(_, prop) {
          if (prop === "then") {
            if (d.locals.then !== undefined) return d.locals.then;
            if (!thenable) return undefined;
            return (resolve, reject) => then(d.value(), resolve, reject);
          }
          if (prop === "catch" && thenable) return (reject) => then(d.value(), undefined, reject);
          if (prop === "finally" && thenable) return (f) => then(d.value(), (v) => { f(); return v; }, (e) => { f(); throw e; });
          if (typeof prop === "symbol" || forcedLocal(prop)) return d.locals[prop];
          if (local[prop] === true) return d.locals[prop] !== undefined ? d.locals[prop] : shell[prop];
          if (!own) own = helpers(d);
          if (hasOwn(own, prop)) return own[prop];
          return member(d, prop);
        },
        set(_, prop, value) {
          if (typeof prop === "symbol" || forcedLocal(prop) || local[prop] === true) {
            d.locals[prop] = value;
            return true;
          }
          const done = memberSet(d, prop, value);
          then(done, undefined, (e) => log("host object property write failed", prop, e));
          return true;
        },
        apply(_, __, args) {
          return memberCall(d, null, args);
        },
      });
      apply(weakMapSet, described, [proxy, d]);
      return proxy;
    };
    const objectProxy = (target, thenable) => {
      const d = { target };
      // Awaiting `hostObjects.NAME` asks the app whether the object exists.
      let resolved;
      d.value = () => resolved || (resolved = request({ op: "get", t: target, m: null }));
      return makeProxy(d, thenable);
    };
    // `base.name`: read when awaited; `base.name(...)` calls the method (at once).
    const member = (base, name) => {
      let read;
      const d = { value: () => read || (read = memberGet(base, name)) };
      const proxy = makeProxy(d, true);
      const callable = new ProxyCtor(proxy, {
        apply(_, __, args) {
          return valueProxy(memberCall(base, name, args));
        },
      });
      apply(weakMapSet, described, [callable, d]);
      return callable;
    };
    // A method's result: already asked for; a proxy so that `(await x).y` and `x.y` both work.
    const valueProxy = (promise) => makeProxy({ value: () => promise }, true);

    const roots = create(null);
    const root = new ProxyCtor(create(null), {
      get(_, prop) {
        if (prop === "options") return options;
        if (prop === "sync") throw new ErrorCtor(SYNC_MESSAGE);
        if (prop === "cleanupSome") return cleanupSome;
        if (typeof prop !== "string" || prop === "then") return undefined;
        return roots[prop] || (roots[prop] = objectProxy({ n: prop }, true));
      },
      set() {
        return false;
      },
    });
    // Proxies already collected whose finalizers have not run yet: released now.
    const cleanupSome = () => {
      for (const id in live) {
        const entry = live[id];
        if (!apply(deref, entry.ref, [])) {
          delete live[id];
          release(+id, entry.count);
        }
      }
    };
    const answer = (reply) => {
      if (reply === null || typeof reply !== "object") return;
      const call = calls[reply.c];
      if (!call) return;
      delete calls[reply.c];
      log("host object answer", reply);
      if (hasOwn(reply, "err")) call.reject(new ErrorCtor(String(reply.err)));
      else {
        try {
          call.resolve(decode(reply.ok));
        } catch (e) {
          call.reject(e);
        }
      }
    };
    return { root, answer };
  })();

// Files dragged in from other programs, for the page's drag events (all frames, page world, at
// document start). WebKitGTK gives these events the drag's types but never its files; the
// runtime tells webpane's web process extension, which binds `__webpaneDrag` to each frame's
// window (taken and deleted here before any page script runs). While files are dragged over
// the page its `dragenter`, `dragover` and `dragleave` see the type "Files"; its `drop`
// listeners get `dataTransfer.files` and file `items`, read from the dropped files (as a
// browser gives them: the types are ["Files"], the paths are never shown).
//
// Drags the app forwards (an offscreen view, or a toolkit's drop on the window a view is
// embedded in: WebView2's DragEnter/DragOver/DragLeave/Drop) have no display-server drag for
// WebKit to see: the main frame's copy of this script fires the drag events a browser would at
// the point (`dragenter`/`dragleave` as the element under it changes, `dragover`, `drop`),
// with a DataTransfer of the drag's text and files, and answers the page's drop effect.
(() => {
  const native = Object.getOwnPropertyDescriptor(window, "__webpaneDrag");
  delete window.__webpaneDrag;
  if (!native || !native.value || typeof native.value.state !== "function") return;
  const { state, read, done, register } = native.value;
  const parse = JSON.parse;
  const defineProperty = Object.defineProperty;
  const freeze = Object.freeze;
  const FileCtor = File;
  const DataTransferCtor = DataTransfer;
  const ArrayBufferCtor = ArrayBuffer;
  const DragEventCtor = typeof DragEvent === "function" ? DragEvent : null;
  const MouseEventCtor = MouseEvent;
  const warn = console.warn;
  const add = EventTarget.prototype.addEventListener;
  const dispatchEvent = EventTarget.prototype.dispatchEvent;
  const elementFromPoint = Document.prototype.elementFromPoint;
  const getTypes = Object.getOwnPropertyDescriptor(DataTransferCtor.prototype, "types").get;
  const setData = DataTransferCtor.prototype.setData;
  // Set while this script fires a forwarded drag's events (its own listeners leave them alone).
  let dispatching = false;
  const current = () => {
    let json = "";
    state((s) => { json = s; });
    return json ? parse(json) : null;
  };
  // "Files" (then what else the transfer holds, if `others`: a display server's drag of files
  // shows only "Files", as in a browser, whose file URIs WebKit's types would hint at).
  const showTypes = (dataTransfer, others) => {
    const types = ["Files"];
    if (others) for (const type of getTypes.call(dataTransfer)) if (type !== "Files") types.push(type);
    freeze(types);
    defineProperty(dataTransfer, "types", { get: () => types, configurable: true });
  };
  // The dropped files, read into the page (then closed).
  const filesOf = (drag) => {
    const given = new DataTransferCtor();
    for (let i = 0; i < drag.files.length; i++) {
      const file = drag.files[i];
      try {
        const buffer = new ArrayBufferCtor(file.size);
        let got = -1;
        read(i, buffer, (n) => { got = n; });
        if (got < 0) continue;
        const bytes = got === file.size ? buffer : buffer.slice(0, got);
        given.items.add(new FileCtor([bytes], file.name, { type: file.type, lastModified: file.lastModified }));
      } catch (e) {
        warn("webpane: a dropped file could not be read into the page:", file.name, e);
      }
    }
    done();
    return given;
  };

  // A display server's drag (WebKit fires the events; the files come from here).
  const over = (event) => {
    if (dispatching) return;
    const drag = event.dataTransfer && current();
    if (drag && drag.files.length) showTypes(event.dataTransfer);
  };
  for (const type of ["dragenter", "dragover", "dragleave"]) add.call(window, type, over, true);
  add.call(window, "drop", (event) => {
    if (dispatching) return;
    const drag = event.dataTransfer && current();
    if (!drag || !drag.dropped) return;
    const given = filesOf(drag);
    const dataTransfer = event.dataTransfer;
    showTypes(dataTransfer);
    defineProperty(dataTransfer, "files", { get: () => given.files, configurable: true });
    defineProperty(dataTransfer, "items", { get: () => given.items, configurable: true });
  }, true);

  // A drag the app forwards (main frame only: the extension keeps the main frame's dispatcher).
  if (typeof register !== "function") return;
  let target = null;
  const fire = (type, element, x, y, dataTransfer) => {
    const init = { bubbles: true, cancelable: type !== "dragleave", composed: true, clientX: x, clientY: y, dataTransfer };
    let event;
    if (DragEventCtor) {
      event = new DragEventCtor(type, init);
    } else {
      event = new MouseEventCtor(type, init);
      defineProperty(event, "dataTransfer", { value: dataTransfer });
    }
    dispatching = true;
    try {
      return !dispatchEvent.call(element, event);
    } finally {
      dispatching = false;
    }
  };
  // What the page's listeners see while the drag is over it: its text, and "Files" without
  // the files (as a browser protects a drag's data until the drop).
  // WebKit keeps a dropEffect only on its own drags' DataTransfer: this one keeps what the
  // page sets.
  const effects = freeze({ none: true, copy: true, move: true, link: true });
  const hasOwn = Object.prototype.hasOwnProperty;
  const transfer = (drag, given) => {
    const dataTransfer = given || new DataTransferCtor();
    let effect = "none";
    defineProperty(dataTransfer, "dropEffect", {
      get: () => effect,
      set: (value) => {
        if (hasOwn.call(effects, value)) effect = value;
      },
      configurable: true,
    });
    if (drag.text !== null && drag.text !== undefined) setData.call(dataTransfer, "text/plain", drag.text);
    if (drag.files.length && !given) showTypes(dataTransfer, true);
    return dataTransfer;
  };
  const moved = (drag, x, y) => {
    const element = elementFromPoint.call(document, x, y) || document.documentElement;
    if (element !== target) {
      fire("dragenter", element, x, y, transfer(drag));
      if (target) fire("dragleave", target, x, y, transfer(drag));
      target = element;
    }
    const dataTransfer = transfer(drag);
    dataTransfer.dropEffect = "copy";
    if (!fire("dragover", target, x, y, dataTransfer)) return "none";
    const effect = dataTransfer.dropEffect;
    return effect === "none" ? "copy" : effect;
  };
  const left = (drag, x, y) => {
    if (target) fire("dragleave", target, x, y, transfer(drag));
    target = null;
  };
  register((phase, x, y) => {
    const drag = current() || { dropped: false, files: [], text: null };
    if (phase === "enter") {
      target = null;
      return moved(drag, x, y);
    }
    if (phase === "over") return moved(drag, x, y);
    if (phase === "leave") {
      left(drag, x, y);
      return "none";
    }
    const effect = moved(drag, x, y);
    if (effect === "none") {
      left(drag, x, y);
      return "none";
    }
    const dataTransfer = transfer(drag, filesOf(drag));
    dataTransfer.dropEffect = effect;
    const element = target;
    target = null;
    fire("drop", element, x, y, dataTransfer);
    return effect;
  });
})();

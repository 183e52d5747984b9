// Files dragged in from other programs, for the page's drag events (all frames, page world, at
// document start). WebKitGTK gives these events the drag's types but never its files; the
// runtime tells webpane's web process extension, which binds `__webpaneDrag` to each frame's
// window (taken and deleted here before any page script runs). While files are dragged over
// the page its `dragenter`, `dragover` and `dragleave` see the type "Files"; its `drop`
// listeners get `dataTransfer.files` and file `items`, read from the dropped files (as a
// browser gives them: the types are ["Files"], the paths are never shown).
(() => {
  const native = Object.getOwnPropertyDescriptor(window, "__webpaneDrag");
  delete window.__webpaneDrag;
  if (!native || !native.value || typeof native.value.state !== "function") return;
  const { state, read, done } = native.value;
  const parse = JSON.parse;
  const defineProperty = Object.defineProperty;
  const freeze = Object.freeze;
  const FileCtor = File;
  const DataTransferCtor = DataTransfer;
  const ArrayBufferCtor = ArrayBuffer;
  const warn = console.warn;
  const add = EventTarget.prototype.addEventListener;
  const filesTypes = freeze(["Files"]);
  const current = () => {
    let json = "";
    state((s) => { json = s; });
    return json ? parse(json) : null;
  };
  const showTypes = (dataTransfer) => {
    defineProperty(dataTransfer, "types", { get: () => filesTypes, configurable: true });
  };
  const over = (event) => {
    const drag = event.dataTransfer && current();
    if (drag && drag.files.length) showTypes(event.dataTransfer);
  };
  for (const type of ["dragenter", "dragover", "dragleave"]) add.call(window, type, over, true);
  add.call(window, "drop", (event) => {
    const drag = event.dataTransfer && current();
    if (!drag || !drag.dropped) return;
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
    const dataTransfer = event.dataTransfer;
    showTypes(dataTransfer);
    defineProperty(dataTransfer, "files", { get: () => given.files, configurable: true });
    defineProperty(dataTransfer, "items", { get: () => given.items, configurable: true });
  }, true);
})();

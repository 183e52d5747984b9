  // Files both ways, as WebView2's additional objects. Spliced into chrome_webview.js, inside its
  // closure. App → page: the web process extension hands `__webpaneFiles` four native functions
  // per open file (read, write, truncate, size; bound to the fd, never a path), made here into
  // FileSystemFileHandle-shaped objects in `event.additionalObjects`. Page → app: the files'
  // bytes go to the extension's `sendFiles` (each becomes a sealed memfd), in the frame's queue.
  const files = (() => {
    const PromiseCtor = Promise;
    const FileCtor = File;
    const BlobCtor = Blob;
    const DOMExceptionCtor = DOMException;
    const ArrayBufferCtor = ArrayBuffer;
    const Uint8ArrayCtor = Uint8Array;
    const isView = ArrayBuffer.isView;
    const freeze = Object.freeze;
    const encoder = new TextEncoder();
    const encode = TextEncoder.prototype.encode;
    const blobBytes = Blob.prototype.arrayBuffer;
    const apply = Reflect.apply;
    const parse = JSON.parse;
    const failure = (name) => (message) => new DOMExceptionCtor(String(message), name);
    const nativeCall = (f, args, errorName) => new PromiseCtor((resolve, reject) => {
      const all = [];
      for (let i = 0; i < args.length; i++) all[i] = args[i];
      all[all.length] = (...values) => resolve(values);
      all[all.length] = (message) => reject(failure(errorName)(message));
      apply(f, undefined, all);
    });
    const bytesOf = async (data) => {
      if (typeof data === "string") return apply(encode, encoder, [data]);
      if (data instanceof ArrayBufferCtor) return new Uint8ArrayCtor(data);
      if (isView(data)) return new Uint8ArrayCtor(data.buffer, data.byteOffset, data.byteLength);
      if (data instanceof BlobCtor) return new Uint8ArrayCtor(await apply(blobBytes, data, []));
      throw new TypeErrorCtor("write(): expected a string, an ArrayBuffer, a typed array, a DataView or a Blob");
    };
    // A FileSystemFileHandle-shaped object over one delivered file.
    // The most a page reads of a file at once (getFile()).
    const MAX_READ = 1024 * 1024 * 1024;
    const handle = (natives, info) => {
      const read = natives[0], write = natives[1], truncate = natives[2], size = natives[3];
      const readable = info.access !== "Write";
      const writable = info.access !== "Read";
      const self = {
        kind: "file",
        name: String(info.name),
        async getFile() {
          if (!readable) throw failure("NotAllowedError")("the app gave this file for writing only");
          const [length] = await nativeCall(size, [], "NotReadableError");
          if (length > MAX_READ) throw failure("NotReadableError")("the file is larger than 1 GiB");
          const buffer = new ArrayBufferCtor(length);
          const [got, modified] = await nativeCall(read, [buffer], "NotReadableError");
          return new FileCtor([new Uint8ArrayCtor(buffer, 0, got)], String(info.name), { lastModified: modified });
        },
        async createWritable(options) {
          if (!writable) throw failure("NotAllowedError")("the app gave this file for reading only");
          // Written in place (no swap file): without keepExistingData the file starts empty now.
          if (!(options && options.keepExistingData)) await nativeCall(truncate, [0], "InvalidModificationError");
          let position = 0;
          let closed = false;
          const open = () => {
            if (closed) throw new TypeErrorCtor("the writable stream is closed");
          };
          return freeze({
            async write(chunk) {
              open();
              if (chunk && typeof chunk === "object" && typeof chunk.type === "string" && !(chunk instanceof BlobCtor) && !isView(chunk) && !(chunk instanceof ArrayBufferCtor)) {
                if (chunk.type === "seek") { position = +chunk.position; return; }
                if (chunk.type === "truncate") {
                  await nativeCall(truncate, [+chunk.size], "InvalidModificationError");
                  if (position > chunk.size) position = +chunk.size;
                  return;
                }
                if (chunk.type !== "write") throw new TypeErrorCtor("write(): unknown type " + chunk.type);
                if (chunk.position !== undefined && chunk.position !== null) position = +chunk.position;
                chunk = chunk.data;
              }
              const bytes = await bytesOf(chunk);
              await nativeCall(write, [position, bytes], "InvalidModificationError");
              position += bytes.byteLength;
            },
            async seek(to) { open(); position = +to; },
            async truncate(size) {
              open();
              await nativeCall(truncate, [+size], "InvalidModificationError");
              if (position > size) position = +size;
            },
            async close() { open(); closed = true; },
            async abort() { closed = true; },
          });
        },
        async queryPermission(descriptor) {
          const both = descriptor && descriptor.mode === "readwrite";
          return (both ? readable && writable : readable) ? "granted" : "denied";
        },
        async requestPermission(descriptor) { return self.queryPermission(descriptor); },
        async isSameEntry(other) { return other === self; },
      };
      return freeze(self);
    };
    // App → page: the message and its handles, to the `message` listeners.
    const deliver = (json, infosJson, natives) => {
      const infos = parse(infosJson);
      const handles = [];
      for (let i = 0; i < infos.length; i++) handles[i] = handle(natives[i], infos[i]);
      const event = new MessageEvent("message", { data: parse(json), source: window });
      Object.defineProperty(event, "additionalObjects", { value: freeze(handles), enumerable: true });
      target.dispatchEvent(event);
    };
    // Page → app: queued now (in order with everything else the frame sends), sent once read.
    const postWithFiles = (message, objects) => {
      const json = stringify(message);
      if (typeof json !== "string") throw new TypeErrorCtor("postMessageWithAdditionalObjects: the message cannot be serialized as JSON");
      if (!objects || typeof objects.length !== "number") throw new TypeErrorCtor("postMessageWithAdditionalObjects: the additional objects must be an array of File or Blob objects");
      if (objects.length > 32) throw new TypeErrorCtor("postMessageWithAdditionalObjects: at most 32 files per message");
      const blobs = [];
      for (let i = 0; i < objects.length; i++) {
        const o = objects[i];
        if (!(o instanceof BlobCtor)) throw new TypeErrorCtor("postMessageWithAdditionalObjects: additional object " + i + " is not a File or a Blob");
        blobs[i] = o;
      }
      const entry = { files: true, ready: false };
      post(json, entry);
      (async () => {
        const infos = [];
        const buffers = [];
        for (let i = 0; i < blobs.length; i++) {
          buffers[i] = new Uint8ArrayCtor(await apply(blobBytes, blobs[i], []));
          infos[i] = { name: blobs[i] instanceof FileCtor ? blobs[i].name : "", access: "Read", mime: blobs[i].type || "" };
        }
        entry.infos = stringify(infos);
        entry.buffers = buffers;
      })().catch((e) => {
        entry.failed = String(e);
        console.error("chrome.webview.postMessageWithAdditionalObjects: a file could not be read; the message was dropped", e);
      }).finally(() => {
        entry.ready = true;
        pump();
      });
    };
    return { deliver, postWithFiles };
  })();

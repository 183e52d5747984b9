// The page's drag regions (CSS `--app-region: drag` and `no-drag`), found in an isolated world
// the page cannot reach and sent to the browser process whenever they change. An element counts
// where it sets the value (its children inherit it; those that do not change it are covered by
// its boxes). WebKitGTK's CSS has no `app-region` property: the custom property stands for it.
(() => {
    if (window.__webpaneRegions) { window.__webpaneRegions.start(); return; }
    const handler = window.webkit.messageHandlers['webpane-regions'];
    let last = null, timer = 0, on = false;
    const value = (el) => el ? getComputedStyle(el).getPropertyValue('--app-region').trim() : '';
    const collect = () => {
        timer = 0;
        if (!on || !document.documentElement) return;
        const drag = [], noDrag = [];
        for (const el of document.getElementsByTagName('*')) {
            const v = value(el);
            if ((v !== 'drag' && v !== 'no-drag') || value(el.parentElement) === v) continue;
            for (const r of el.getClientRects()) {
                (v === 'drag' ? drag : noDrag).push([r.left, r.top, r.width, r.height]);
                if (drag.length + noDrag.length >= 4096) break;
            }
        }
        const json = JSON.stringify({ drag, noDrag });
        if (json !== last) { last = json; handler.postMessage(json); }
    };
    const schedule = () => { if (on && !timer) timer = setTimeout(collect, 16); };
    const observer = new MutationObserver(schedule);
    const events = ['resize', 'scroll', 'load', 'transitionend', 'animationend'];
    window.__webpaneRegions = {
        start() {
            if (on) return;
            on = true; last = null;
            observer.observe(document, { subtree: true, childList: true, attributes: true });
            for (const e of events) addEventListener(e, schedule, true);
            schedule();
        },
        stop() {
            on = false;
            observer.disconnect();
            for (const e of events) removeEventListener(e, schedule, true);
        },
    };
    window.__webpaneRegions.start();
})();
